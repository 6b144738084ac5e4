// Dataset options from flags/config → @lora/datasets SourceOptions; `sources:` entries of a prepare config.
import type { DatasetFormat, MessageTemplate, PrepareSource, SourceOptions, TurnTags } from '@lora/datasets';
import { suggestion } from './did-you-mean.js';
import { ConfigError, preview } from './errors.js';
import { COUNT_OR_FRACTION } from './option-spec.js';
import { resolvePath, shown } from './options.js';
import type { DataSourceOptions } from './verb-options.js';

/** CLI format names → @lora/datasets names (`instruction` is Alpaca's instruction/input/output). */
export function datasetFormat(format: string | undefined): DatasetFormat | undefined {
  if (format === undefined || format === 'auto') return undefined;
  return (format === 'instruction' ? 'alpaca' : format) as DatasetFormat;
}

/** The source options the train/eval/prepare flags and config keys describe. */
export function sourceOptions(opts: DataSourceOptions): SourceOptions {
  const out: SourceOptions = { onEmpty: opts.on_empty };
  const format = datasetFormat(opts.format);
  if (format) out.format = format;
  if (opts.unnest) out.unnest = opts.unnest;
  // mappings: checked to be mappings by the option spec; their fields by @lora/datasets, naming each
  if (opts.field_map !== undefined) out.fieldMap = opts.field_map as SourceOptions['fieldMap'];
  if (opts.message_template !== undefined) out.template = opts.message_template as MessageTemplate;
  return out;
}

const SOURCE_KEYS = [
  'path',
  'name',
  'format',
  'field_map',
  'unnest',
  'message_template',
  'tags',
  'sample',
  'on_empty',
  'file_type',
];

/** One entry of a prepare config's `sources:` list, checked key by key. */
export function parseSource(raw: unknown, index: number, label: string, baseDir: string): PrepareSource {
  const at = `${label}: sources[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${at}: expected a mapping with at least "path", got ${preview(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!SOURCE_KEYS.includes(key))
      throw new ConfigError(`${at}: unknown key "${key}"${suggestion(key, SOURCE_KEYS)}`);
  }
  if (typeof r.path !== 'string' || r.path === '')
    throw new ConfigError(`${at}.path: expected a file path, got ${preview(r.path)}`);
  const source: PrepareSource = { path: resolvePath(baseDir, r.path) };
  if (r.name !== undefined) source.name = String(r.name);
  if (r.format !== undefined) {
    const format = datasetFormat(String(r.format));
    if (format) source.format = format;
  }
  if (r.field_map !== undefined) source.fieldMap = r.field_map as SourceOptions['fieldMap'];
  if (r.unnest !== undefined) source.unnest = String(r.unnest);
  if (r.message_template !== undefined) source.template = r.message_template as MessageTemplate;
  if (r.tags !== undefined) source.tags = r.tags as TurnTags;
  if (r.sample !== undefined) {
    if (typeof r.sample !== 'number' || !COUNT_OR_FRACTION.test(r.sample))
      throw new ConfigError(
        `${at}.sample: expected ${COUNT_OR_FRACTION.expected('>= 1')}, got ${shown(r.sample)}`,
      );
    source.sample = r.sample;
  }
  if (r.on_empty !== undefined) source.onEmpty = r.on_empty as SourceOptions['onEmpty'];
  if (r.file_type !== undefined) source.fileType = r.file_type as SourceOptions['fileType'];
  return source;
}

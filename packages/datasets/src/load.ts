// Files → typed SFT examples: read, unnest, detect (or take) the format, validate, count what is skipped.

import { DatasetError, describeLocation, type Location, preview } from './errors.js';
import { hasEmptyTarget, type SftExample, toExample } from './examples.js';
import {
  checkFieldMap,
  DATASET_FORMATS,
  type DatasetFormat,
  detectFormat,
  type FieldMap,
} from './formats.js';
import { type FileType, parseRecords, type RawRecord, type ReadOptions, readRecords } from './read.js';
import type { InvalidUtf8 } from './read-text.js';
import { type SkipCount, SkipLog } from './stats.js';
import { applyTemplate, checkTemplate, type MessageTemplate } from './template.js';
import type { TurnTags } from './turns.js';

/** What to do with a row whose target (output, completion, assistant reply, text) is empty. */
export type OnEmpty = 'error' | 'skip' | 'keep';

/**
 * How one file is read: its format, field map, turn tags, unnest, message template, file type, empty-answer
 * policy.
 */
export interface SourceOptions {
  /** the format; detected from the first record's keys when absent */
  format?: DatasetFormat;
  /** canonical field → column, e.g. `{ instruction: 'question', output: 'answer' }` */
  fieldMap?: FieldMap;
  /** custom turn keys and speaker names for `messages` */
  tags?: TurnTags;
  /** expand this array field: each element becomes a row, merged over the parent's other fields */
  unnest?: string;
  /** build `messages` from `{field}` placeholders instead of a format */
  template?: MessageTemplate;
  fileType?: FileType;
  /** default 'error' */
  onEmpty?: OnEmpty;
  /** bytes that are not UTF-8: 'error' (default) names the file, line and byte offset; 'replace' reads U+FFFD */
  invalidUtf8?: InvalidUtf8;
}

/** The options readRecords takes, from the source options. */
const readOptionsOf = (o: SourceOptions): ReadOptions => ({
  ...(o.fileType !== undefined && { fileType: o.fileType }),
  ...(o.invalidUtf8 !== undefined && { invalidUtf8: o.invalidUtf8 }),
});

/** What loading a file did: records read, examples made, and skipped rows with their reasons. */
export interface LoadStats {
  file: string;
  format: DatasetFormat;
  /** records read from the file (before `unnest`) */
  records: number;
  /** examples produced */
  examples: number;
  skipped: SkipCount[];
}

/** A loaded file: its format, the examples and the stats. */
export interface LoadedDataset {
  format: DatasetFormat;
  examples: SftExample[];
  stats: LoadStats;
}

/** Records to examples for one source (`createConverter`), one record at a time, counting as it goes. */
export interface Converter {
  /** the examples one record makes (several with `unnest`, none when skipped) */
  convert(record: RawRecord): SftExample[];
  stats(): LoadStats;
}

function checkOptions(options: SourceOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new DatasetError(`options: expected an object, got ${preview(options)}`, { key: 'options' });
  }
  const invalidUtf8 = options.invalidUtf8;
  if (invalidUtf8 !== undefined && invalidUtf8 !== 'error' && invalidUtf8 !== 'replace') {
    throw new DatasetError(`invalidUtf8: expected 'error' or 'replace', got ${preview(invalidUtf8)}`, {
      key: 'invalidUtf8',
    });
  }
  if (options.format !== undefined && !DATASET_FORMATS.includes(options.format)) {
    throw new DatasetError(
      `format: expected one of ${DATASET_FORMATS.join(', ')}, got ${preview(options.format)}`,
      {
        key: 'format',
      },
    );
  }
  if (options.template !== undefined) {
    checkTemplate(options.template);
    if (options.format !== undefined && options.format !== 'messages') {
      throw new DatasetError(
        `template: a template builds messages, expected no format or 'messages', got ${options.format}`,
        {
          key: 'template',
        },
      );
    }
  }
  const onEmpty = options.onEmpty;
  if (onEmpty !== undefined && onEmpty !== 'error' && onEmpty !== 'skip' && onEmpty !== 'keep') {
    throw new DatasetError(`onEmpty: expected 'error', 'skip' or 'keep', got ${preview(onEmpty)}`, {
      key: 'onEmpty',
    });
  }
  if (options.unnest !== undefined && (typeof options.unnest !== 'string' || options.unnest === '')) {
    throw new DatasetError(`unnest: expected a field name, got ${preview(options.unnest)}`, {
      key: 'unnest',
    });
  }
}

function unnestRows(record: RawRecord, field: string, skips: SkipLog): RawRecord[] {
  const { value, where } = record;
  const items = value[field];
  if (!Array.isArray(items)) {
    throw new DatasetError(
      `${describeLocation(where)}: unnest field ${JSON.stringify(field)}: expected an array, got ${preview(items)}`,
      {
        where,
        key: field,
      },
    );
  }
  if (items.length === 0) skips.add(`empty ${field} (unnest)`, where);
  const { [field]: _, ...parent } = value;
  return items.map((item, i) => {
    const at: Location = { ...where, path: `${field}[${i}]` };
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new DatasetError(`${describeLocation(at)}: expected an object to unnest, got ${preview(item)}`, {
        where: at,
      });
    }
    return { value: { ...parent, ...(item as Record<string, unknown>) }, where: at };
  });
}

/** A stateful record → example converter for one file: the format is fixed by the first record. */
export function createConverter(file: string, options: SourceOptions = {}): Converter {
  checkOptions(options);
  const fieldMap = checkFieldMap(options.fieldMap);
  const onEmpty = options.onEmpty ?? 'error';
  const skips = new SkipLog();
  let format: DatasetFormat | undefined = options.template === undefined ? options.format : 'messages';
  let records = 0;
  let examples = 0;

  const one = (row: RawRecord): SftExample | undefined => {
    format ??= detectFormat(row.value, fieldMap, row.where);
    const example: SftExample =
      options.template === undefined
        ? toExample(row.value, format, row.where, fieldMap, options.tags)
        : {
            format: 'messages',
            messages: applyTemplate(options.template, row.value, row.where),
            where: row.where,
          };
    if (onEmpty !== 'keep' && hasEmptyTarget(example)) {
      if (onEmpty === 'skip') {
        skips.add('empty target', row.where);
        return undefined;
      }
      throw new DatasetError(
        `${describeLocation(row.where)}: empty target for format ${format}: expected a non-empty ` +
          `${TARGET[example.format]}; pass onEmpty: 'skip' to skip such rows (they are counted) or 'keep' to keep them`,
        { where: row.where },
      );
    }
    return example;
  };

  return {
    convert(record) {
      records++;
      const rows = options.unnest === undefined ? [record] : unnestRows(record, options.unnest, skips);
      const out: SftExample[] = [];
      for (const row of rows) {
        const example = one(row);
        if (example !== undefined) out.push(example);
      }
      examples += out.length;
      return out;
    },
    stats() {
      if (format === undefined) {
        throw new DatasetError(`${file}: expected at least one row to detect the format from, got none`, {
          where: { file },
        });
      }
      return { file, format, records, examples, skipped: skips.toJSON() };
    },
  };
}

const TARGET: Record<SftExample['format'], string> = {
  text: 'text',
  alpaca: 'output',
  'prompt-completion': 'completion',
  messages: 'assistant reply in every assistant turn',
  preference: 'chosen reply',
  tokenized: 'input_ids',
};

/** Stream a file's examples; `stats` is filled in when the stream ends. */
export async function* streamExamples(
  path: string,
  options: SourceOptions = {},
  onStats?: (stats: LoadStats) => void,
): AsyncGenerator<SftExample> {
  const converter = createConverter(path, options);
  for await (const record of readRecords(path, readOptionsOf(options))) {
    yield* converter.convert(record);
  }
  onStats?.(converter.stats());
}

/** Load every example of a dataset file, with its format and what was skipped. */
export async function loadDataset(path: string, options: SourceOptions = {}): Promise<LoadedDataset> {
  const converter = createConverter(path, options);
  const examples: SftExample[] = [];
  for await (const record of readRecords(path, readOptionsOf(options))) {
    for (const example of converter.convert(record)) examples.push(example);
  }
  const stats = converter.stats();
  return { format: stats.format, examples, stats };
}

/** `loadDataset` for text already in memory (browser): `fileType` is required, `file` names it in errors. */
export function parseDataset(
  text: string,
  options: SourceOptions & { file: string; fileType: FileType },
): LoadedDataset {
  const converter = createConverter(options.file, options);
  const examples: SftExample[] = [];
  for (const record of parseRecords(text, options)) examples.push(...converter.convert(record));
  const stats = converter.stats();
  return { format: stats.format, examples, stats };
}

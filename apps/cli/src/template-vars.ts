// Placeholders in dataset text, LLaMA-Factory's way: its data/identity.json answers "I am {{name}}, an AI assistant
// developed by {{author}}", to be replaced before training. `lora prepare` fills them from --template-vars
// (template_vars: in a config) and refuses, naming the file, line and placeholder, a source that still holds one
// it has no value for: a model trained on "{{name}}" learns the braces, not a name.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type PrepareSource, readRecords } from '@lora/datasets';
import { UsageError } from './errors.js';

/** `{{name}}`: an identifier in double braces, no spaces (Jinja's `{{ x }}` in code examples is data, not this). */
const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/** The first placeholder in `text` that `vars` has no value for, with its 1-based line; undefined if none. */
export function unfilledPlaceholder(
  text: string,
  vars: Readonly<Record<string, string>>,
): { line: number; name: string } | undefined {
  const lines = text.split('\n');
  for (const [i, line] of lines.entries())
    for (const [, name] of line.matchAll(PLACEHOLDER))
      if (!Object.hasOwn(vars, name!)) return { line: i + 1, name: name! };
  return undefined;
}

/** Every string in `value` (records, nested lists and mappings) with its placeholders replaced from `vars`. */
export function fillPlaceholders(value: unknown, vars: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string')
    return value.replace(PLACEHOLDER, (whole, name: string) => vars[name] ?? whole);
  if (Array.isArray(value)) return value.map((v) => fillPlaceholders(v, vars));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v, vars)]));
  return value;
}

export interface FilledSources {
  sources: PrepareSource[];
  /** how many sources held placeholders (each filled into a temporary JSON Lines copy) */
  filled: number;
  /** removes the temporary copies */
  cleanup: () => Promise<void>;
}

/**
 * The sources with their placeholders filled: a source that holds any is read, filled record by record and
 * written as a temporary JSON Lines copy (named as the original in the stats); the others are passed as they are.
 * Throws a UsageError naming the file, line and placeholder for one `vars` has no value for.
 */
export async function fillSources(
  sources: readonly PrepareSource[],
  vars: Readonly<Record<string, string>>,
  optionLabel: string,
): Promise<FilledSources> {
  const dir = await mkdtemp(join(tmpdir(), 'lora-prepare-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const out: PrepareSource[] = [];
    let filled = 0;
    for (const [i, source] of sources.entries()) {
      const text = await readFile(source.path, 'utf8').catch(() => undefined);
      if (text === undefined) {
        out.push(source); // prepareDatasets names a file it cannot read
        continue;
      }
      const missing = unfilledPlaceholder(text, vars);
      if (missing !== undefined) {
        throw new UsageError(
          `${source.path} line ${missing.line}: {{${missing.name}}}: expected a value for this placeholder (${optionLabel} ${missing.name}=… or template_vars: { ${missing.name}: … } in --config), got none`,
        );
      }
      if (text.match(PLACEHOLDER) === null) {
        out.push(source);
        continue;
      }
      const lines: string[] = [];
      for await (const record of readRecords(
        source.path,
        source.fileType ? { fileType: source.fileType } : {},
      ))
        lines.push(JSON.stringify(fillPlaceholders(record.value, vars)));
      const copy = join(dir, `${i}-${basename(source.path)}.jsonl`);
      await writeFile(copy, `${lines.join('\n')}\n`);
      out.push({ ...source, path: copy, name: source.name ?? source.path, fileType: 'jsonl' });
      filled++;
    }
    return { sources: out, filled, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

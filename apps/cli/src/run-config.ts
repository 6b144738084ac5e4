// run_config.json: how `lora train` ran (the resolved options, the chat format and the data files' identity),
// written beside the adapter and into every checkpoint. eval/chat/generate/merge read the quantization from it and
// --resume compares it with the settings asked for now, so a file that does not parse or lacks a key is an error
// naming the file and the key, never a silent fallback (an NF4-trained adapter on a dense base).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { CliError } from './errors.js';

export const RUN_CONFIG_FILE = 'run_config.json';

/** A run_config.json that cannot be read, does not parse, or lacks (or has a wrong) key. */
export class RunConfigError extends CliError {
  override name = 'RunConfigError';
  readonly path: string;
  readonly key: string | undefined;

  constructor(path: string, key: string | undefined, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.path = path;
    this.key = key;
  }
}

export type RunConfig = Record<string, unknown>;

/**
 * `dir/run_config.json` as an object; undefined when there is none (an adapter trained elsewhere). `hint` ends
 * the error message: what the user can do instead.
 */
export function readRunConfigFile(
  dir: string,
  hint = 'restore it, or pass --quant explicitly',
): { path: string; config: RunConfig } | undefined {
  const path = join(dir, RUN_CONFIG_FILE);
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new RunConfigError(path, undefined, `${path}: expected a readable file, got ${code}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new RunConfigError(
      path,
      undefined,
      `${path}: expected the JSON object \`lora train\` writes, got unparsable text (${reason}); ${hint}`,
      { cause },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const got = parsed === null ? 'null' : Array.isArray(parsed) ? 'a list' : typeof parsed;
    throw new RunConfigError(path, undefined, `${path}: expected a JSON object, got ${got}; ${hint}`);
  }
  return { path, config: parsed as RunConfig };
}

/** `config[key]` when `valid`; else a RunConfigError naming the file and the key ("got nothing" when absent). */
export function runConfigValue<T>(
  file: { path: string; config: RunConfig },
  key: string,
  valid: (value: unknown) => value is T,
  expected: string,
  hint = 'restore it, or pass --quant explicitly',
): T {
  const value = file.config[key];
  if (valid(value)) return value;
  const got = value === undefined ? 'nothing' : JSON.stringify(value);
  throw new RunConfigError(
    file.path,
    key,
    `${file.path}: "${key}" expected ${expected}, got ${got}; ${hint}`,
  );
}

const QUANTS = ['nf4', 'fp4', 'none'] as const;
type TrainedQuant = (typeof QUANTS)[number];
const isQuant = (v: unknown): v is TrainedQuant => QUANTS.includes(v as TrainedQuant);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

/**
 * The quantization an adapter was trained on, from its run_config.json; undefined without one. Throws
 * RunConfigError when the file is there but unusable: guessing would evaluate an NF4-trained adapter on a dense
 * base (or the reverse) without a word.
 */
export function trainedQuant(adapterDir: string): { quant: TrainedQuant; doubleQuant: boolean } | undefined {
  const file = readRunConfigFile(adapterDir);
  if (file === undefined) return undefined;
  const quant = runConfigValue(file, 'quant', isQuant, `one of ${QUANTS.join(', ')}`);
  if (quant === 'none') return { quant, doubleQuant: false };
  return { quant, doubleQuant: runConfigValue(file, 'double_quant', isBoolean, 'true or false') };
}

/** Write `dir/run_config.json` (atomically: a checkpoint or an adapter folder never holds half of one). */
export async function writeRunConfig(dir: string, config: RunConfig): Promise<void> {
  await writeFileAtomic(join(dir, RUN_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
}

// The run folder is enough: eval, chat, generate and merge given `--adapter RUN_DIR` take the base model and the
// settings the run was trained with from its run_config.json (or, for an adapter trained elsewhere, the base from
// adapter_config.json), so a verb never silently evaluates with a chat format or length the adapter never saw. A
// flag or config key that differs from the run's value wins, and is printed as an override.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { shown, type Options } from './options.js';
import { readRunConfigFile, type RunConfig } from './run-config.js';

/** Options a verb takes from the run, as [run_config.json key, the verb's key], in the order they are reported. */
const INHERITED = [
  ['chat_template', 'chat_template'],
  ['max_length', 'max_length'],
  ['completion_only', 'completion_only'],
  ['response_template', 'response_template'],
  ['instruction_template', 'instruction_template'],
  ['eval_data', 'data'], // eval's --data: the run's held-out file
] as const;

export interface RunSettings {
  /** the base model folder the run trained on; undefined with `baseProblem` saying why */
  modelDir: string | undefined;
  /** why the run names no usable base (a one-line message naming the file and key), when --model must say */
  baseProblem?: string;
  /** the run's values, by the verb's key */
  values: Map<string, unknown>;
  /** the file they were read from (run_config.json), for a message about a value */
  file: string;
}

/**
 * What the run in `adapterDir` was trained with; undefined when the folder records nothing (an adapter with
 * neither run_config.json nor a local base_model_name_or_path). A recorded base that is not a model folder here
 * is reported in `baseProblem`, an error only when no --model is given.
 */
export function readRunSettings(adapterDir: string): RunSettings | undefined {
  const file = readRunConfigFile(adapterDir, 'restore it, or pass --model and the settings explicitly');
  if (file !== undefined) {
    const values = recorded(file.config);
    const model = file.config.model;
    const source = `${file.path} "model"`;
    if (typeof model !== 'string' || model === '') {
      return {
        modelDir: undefined,
        baseProblem: `${source}: expected the base model folder the run trained on, got ${model === undefined ? 'nothing' : shown(model)}; pass --model DIR`,
        values,
        file: file.path,
      };
    }
    const problem = baseProblem(model, source);
    return problem === undefined
      ? { modelDir: model, values, file: file.path }
      : { modelDir: undefined, baseProblem: problem, values, file: file.path };
  }
  const adapterConfig = join(adapterDir, 'adapter_config.json');
  if (!existsSync(adapterConfig)) return undefined;
  let base: unknown;
  try {
    base = (JSON.parse(readFileSync(adapterConfig, 'utf8')) as { base_model_name_or_path?: unknown })
      .base_model_name_or_path;
  } catch {
    return undefined; // loading the adapter reports a broken adapter_config.json, naming it
  }
  if (typeof base !== 'string' || !existsSync(join(base, 'config.json'))) return undefined;
  return { modelDir: base, values: new Map(), file: adapterConfig };
}

function baseProblem(dir: string, source: string): string | undefined {
  if (existsSync(join(dir, 'config.json'))) return undefined;
  return `${source}: expected the base model folder the run trained on, got ${dir}, which ${existsSync(dir) ? 'has no config.json' : 'does not exist here'}; pass --model DIR`;
}

/** The INHERITED values a run_config.json records; the chat format as the name --chat-template takes. */
function recorded(config: RunConfig): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const [runKey, key] of INHERITED) if (config[runKey] !== undefined) values.set(key, config[runKey]);
  const format = config.chat_format;
  // chat_format is the format the run resolved ("chat_template" = the tokenizer's own), which is what to reuse
  if (typeof format === 'string') values.set('chat_template', format === 'chat_template' ? 'model' : format);
  return values;
}

/**
 * Give `options` the run's values for the keys this verb has and the user left unset; returns one line per value
 * the user set differently (an override), e.g. `--chat-template chatml overrides the run's plain`.
 */
export function applyRunSettings(options: Options<Record<string, unknown>>, run: RunSettings): string[] {
  const overrides: string[] = [];
  for (const [key, value] of run.values) {
    if (!options.specs.has(key)) continue;
    if (!options.given(key)) {
      options.inherit(key, value, `${run.file} "${runKeyOf(key)}"`, dirname(run.file));
      continue;
    }
    if (JSON.stringify(options.get(key)) !== JSON.stringify(value))
      overrides.push(`${options.label(key)} ${plain(options.get(key))} overrides the run's ${plain(value)}`);
  }
  return overrides;
}

const runKeyOf = (key: string) => INHERITED.find(([, k]) => k === key)?.[0] ?? key;

/** `settings from the run: chat_template plain, max_length 64, completion_only true` (those taken, if any). */
export function describeInherited(options: Options<Record<string, unknown>>): string | undefined {
  const taken = INHERITED.map(([, key]) => key)
    .filter((key) => options.source(key) === 'run')
    .map((key) => `${key} ${plain(options.get(key))}`);
  return taken.length === 0 ? undefined : `settings from the run: ${taken.join(', ')}`;
}

/** A setting as a person reads it: `plain`, `48`, `true`, `q_proj,v_proj`. */
function plain(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.join(',');
  return JSON.stringify(value);
}

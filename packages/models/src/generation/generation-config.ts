// generation_config.json (transformers GenerationConfig): the sampling defaults a checkpoint ships with.
import { nodeFs } from '../node-fs.js';
import { GenerationConfigError } from './errors.js';

/** The keys of generation_config.json that generate() uses, in camelCase; absent keys stay undefined. */
export interface GenerationConfig {
  doSample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repetitionPenalty?: number;
  maxNewTokens?: number;
  /** prompt + new tokens (transformers' max_length); maxNewTokens wins when both are set */
  maxLength?: number;
  /** eos_token_id, an int or a list, as a list */
  eosTokenIds?: number[];
  padTokenId?: number;
  bosTokenId?: number;
}

type Raw = Record<string, unknown>;

function fail(source: string, key: string, expected: string, got: unknown): never {
  throw new GenerationConfigError(`${source}: ${key} expected ${expected}, got ${JSON.stringify(got)}`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Parses the object of a generation_config.json; null and absent keys are left undefined, unknown keys ignored. */
export function parseGenerationConfig(json: unknown, source = 'generation_config.json'): GenerationConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail(source, 'the file', 'a JSON object', json);
  const raw = json as Raw;
  const config: GenerationConfig = {};
  const get = (key: string): unknown => (raw[key] === null ? undefined : raw[key]);
  const num = (key: string, ok: (v: number) => boolean, expected: string): number | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) fail(source, key, expected, v);
    return v;
  };
  const int = (key: string, min: number): number | undefined => {
    const v = get(key);
    if (v === undefined) return undefined;
    if (!isInt(v) || v < min) fail(source, key, `an integer ≥ ${min}`, v);
    return v;
  };
  const doSample = get('do_sample');
  if (doSample !== undefined && typeof doSample !== 'boolean')
    fail(source, 'do_sample', 'true or false', doSample);
  const eos = get('eos_token_id');
  if (eos !== undefined && !isInt(eos) && !(Array.isArray(eos) && eos.every(isInt))) {
    fail(source, 'eos_token_id', 'a token id or a list of token ids', eos);
  }
  const eosList = eos === undefined ? undefined : ((Array.isArray(eos) ? eos : [eos]) as number[]);
  if (eosList?.some((id) => id < 0)) fail(source, 'eos_token_id', 'token ids ≥ 0', eos);
  const entries: [keyof GenerationConfig, unknown][] = [
    ['doSample', doSample],
    ['temperature', num('temperature', (v) => v >= 0, 'a number ≥ 0')],
    ['topK', int('top_k', 0)],
    ['topP', num('top_p', (v) => v >= 0 && v <= 1, 'a number in [0, 1]')],
    ['minP', num('min_p', (v) => v >= 0 && v <= 1, 'a number in [0, 1]')],
    ['repetitionPenalty', num('repetition_penalty', (v) => v > 0, 'a number > 0')],
    ['maxNewTokens', int('max_new_tokens', 1)],
    ['maxLength', int('max_length', 1)],
    ['eosTokenIds', eosList],
    ['padTokenId', int('pad_token_id', 0)],
    ['bosTokenId', int('bos_token_id', 0)],
  ];
  for (const [key, value] of entries)
    if (value !== undefined) (config as Record<string, unknown>)[key] = value;
  return config;
}

/**
 * Reads `dir/generation_config.json`; a folder without one gives `{}` (generate() then uses transformers'
 * GenerationConfig defaults and the model's eos_token_id).
 */
export async function readGenerationConfig(dir: string): Promise<GenerationConfig> {
  const { fs, path } = await nodeFs(dir);
  const file = path.join(dir, 'generation_config.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new GenerationConfigError(`${file}: could not be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GenerationConfigError(
      `${file}: expected JSON, got a parse error: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseGenerationConfig(json, file);
}

// generate()'s options merged over generation_config.json over transformers' GenerationConfig defaults, validated once.
import { GenerationError } from './errors.js';
import type { GenerationConfig } from './generation-config.js';
import type { LogitsSettings } from './logits-processors.js';
import { randomSeed } from './sampling.js';
import type { Decode } from './stop-strings.js';

/** Options of `generate`, with transformers' names in camelCase: lengths, sampling, stopping. */
export interface GenerateOptions {
  /** new tokens per prompt at most; default: generation config's max_new_tokens, else max_length − longest prompt */
  maxNewTokens?: number;
  /** prompt + new tokens, counted on the longest (padded) prompt, as transformers' max_length (default 20) */
  maxLength?: number;
  /** sample instead of greedy decoding (default false; temperature 0 also means greedy) */
  doSample?: boolean;
  /** default 1 */
  temperature?: number;
  /** default 50 as transformers; 0 turns top-k off */
  topK?: number;
  /** default 1 (off) */
  topP?: number;
  /** default off */
  minP?: number;
  /** default 1 (off); applies to greedy decoding too */
  repetitionPenalty?: number;
  /** tokens that end a row (e.g. <|im_end|> and <|endoftext|>); default: generation config's, else the model's */
  eosTokenIds?: number | readonly number[];
  /** the id placed in padding slots (masked out); default pad_token_id, else the first eos id, else 0 */
  padTokenId?: number;
  /** seed of the sampling PRNG owned by this call (row b draws from stream b); default: a random seed */
  seed?: number;
  /** a row also stops when its generated text contains one of these (needs `decode`) */
  stopStrings?: readonly string[];
  decode?: Decode;
  /** defaults from generation_config.json (readGenerationConfig); explicit options override them */
  generationConfig?: GenerationConfig;
}

export interface ResolvedGeneration extends LogitsSettings {
  maxNewTokens: number;
  eosTokenIds: ReadonlySet<number>;
  padTokenId: number;
  seed: number;
}

/** transformers GenerationConfig() defaults. */
const DEFAULTS = { doSample: false, temperature: 1, topK: 50, topP: 1, repetitionPenalty: 1, maxLength: 20 };

function check(ok: boolean, key: string, expected: string, got: unknown): void {
  if (!ok) throw new GenerationError(`generate: ${key} expected ${expected}, got ${JSON.stringify(got)}`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Fill in `generate`'s defaults (its generation config, then transformers') and check every option; throws
 * GenerationError.
 */
export function resolveGenerateOptions(
  options: GenerateOptions,
  model: { vocabSize: number; eosTokenIds: readonly number[]; padTokenId?: number },
  longestPrompt: number,
): ResolvedGeneration {
  const gc = options.generationConfig ?? {};
  const pick = <K extends keyof typeof DEFAULTS>(key: K): (typeof DEFAULTS)[K] =>
    (options[key] ?? gc[key] ?? DEFAULTS[key]) as (typeof DEFAULTS)[K];
  const temperature = pick('temperature');
  check(isNum(temperature) && temperature >= 0, 'temperature', 'a number ≥ 0', temperature);
  const doSample = pick('doSample');
  check(typeof doSample === 'boolean', 'doSample', 'true or false', doSample);
  const topK = pick('topK');
  check(isInt(topK) && topK >= 0, 'topK', 'an integer ≥ 0', topK);
  const topP = pick('topP');
  check(isNum(topP) && topP >= 0 && topP <= 1, 'topP', 'a number in [0, 1]', topP);
  const minP = options.minP ?? gc.minP;
  check(minP === undefined || (isNum(minP) && minP >= 0 && minP <= 1), 'minP', 'a number in [0, 1]', minP);
  const repetitionPenalty = pick('repetitionPenalty');
  check(
    isNum(repetitionPenalty) && repetitionPenalty > 0,
    'repetitionPenalty',
    'a number > 0',
    repetitionPenalty,
  );

  let maxNewTokens = options.maxNewTokens ?? (options.maxLength === undefined ? gc.maxNewTokens : undefined);
  if (maxNewTokens === undefined) {
    const maxLength = pick('maxLength');
    check(isInt(maxLength) && maxLength > 0, 'maxLength', 'a positive integer', maxLength);
    if (maxLength <= longestPrompt) {
      throw new GenerationError(
        `generate: maxLength expected more than the longest prompt's ${longestPrompt} tokens, got ${maxLength}; set maxNewTokens instead`,
      );
    }
    maxNewTokens = maxLength - longestPrompt;
  }
  check(isInt(maxNewTokens) && maxNewTokens > 0, 'maxNewTokens', 'a positive integer', maxNewTokens);

  const eosOption = options.eosTokenIds ?? gc.eosTokenIds ?? model.eosTokenIds;
  const eos = typeof eosOption === 'number' ? [eosOption] : [...eosOption];
  check(
    eos.every((id) => isInt(id) && id >= 0),
    'eosTokenIds',
    'token ids ≥ 0',
    eosOption,
  );
  const padTokenId = options.padTokenId ?? gc.padTokenId ?? model.padTokenId ?? eos[0] ?? 0;
  check(
    isInt(padTokenId) && padTokenId >= 0 && padTokenId < model.vocabSize,
    'padTokenId',
    `a token id in [0, ${model.vocabSize})`,
    padTokenId,
  );
  const seed = options.seed ?? randomSeed();
  check(isInt(seed) && seed >= 0, 'seed', 'a safe integer ≥ 0', seed);

  return {
    doSample: doSample && temperature > 0,
    temperature,
    topK,
    topP,
    minP,
    repetitionPenalty,
    maxNewTokens: maxNewTokens as number,
    eosTokenIds: new Set(eos),
    padTokenId,
    seed,
  };
}

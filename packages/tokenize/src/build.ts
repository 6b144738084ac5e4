// Turn parsed tokenizer.json / tokenizer_config.json / special_tokens_map.json / config.json objects into a
// ready @huggingface/tokenizers Tokenizer plus the special-token facts transformers derives from them.
import { Tokenizer as HfTokenizerClass } from '@huggingface/tokenizers';
import type { Side } from './batch.js';
import { TokenizerLoadError } from './errors.js';
import {
  asObject,
  bosEosFlags,
  describeValue,
  type JsonObject,
  resolveSpecialTokens,
  type SpecialTokenKey,
  tokenizerClassOf,
} from './special-tokens.js';

/**
 * The part of @huggingface/tokenizers' Tokenizer we use. Its .d.ts files import each other without file
 * extensions, which NodeNext resolution cannot follow, so the library types as `any`; this pins it down.
 */
export interface HfTokenizer {
  /** ids hold undefined (BPE, WordPiece) or null (Unigram) for a token the vocabulary lacks when there is no unk */
  encode(
    text: string,
    options: { add_special_tokens: boolean },
  ): { ids: (number | null | undefined)[]; tokens: string[] };
  decode(
    ids: number[],
    options: { skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean },
  ): string;
  token_to_id(token: string): number | undefined;
  id_to_token(id: number): string | undefined;
  get_vocab(withAddedTokens: boolean): Map<string | undefined, number>;
}

/** An added token of tokenizer.json: id, text, and whether it is special. */
export interface AddedTokenInfo {
  id: number;
  content: string;
  special: boolean;
}

export interface SpecialToken {
  token: string;
  id: number;
}

export interface TokenizerState {
  hf: HfTokenizer;
  vocabSize: number;
  special: Partial<Record<SpecialTokenKey, SpecialToken>>;
  specialTokenIds: Set<number>;
  addedTokens: AddedTokenInfo[];
  /** what encode adds around a text's own tokens when addSpecialTokens is on */
  prefix: number[];
  suffix: number[];
  chatTemplate: string | Record<string, string> | undefined;
  modelMaxLength: number | undefined;
  paddingSide: Side;
  truncationSide: Side;
  cleanUpTokenizationSpaces: boolean;
}

/** Model types @huggingface/tokenizers 0.2.0 implements (an untyped model is inferred by the library). */
const SUPPORTED_MODELS = ['BPE', 'WordPiece', 'Unigram'];
const PIPELINE_KEYS = ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'];
/** transformers stores "no limit" as int(1e30) */
const NO_MAX_LENGTH = 1e29;
const PROBE_TEXT = 'Hello world';

/**
 * A Unigram model as Hugging Face tokenizers writes it: `vocab` a non-empty list of [token, score] pairs, `unk_id`
 * null or an index into it. @huggingface/tokenizers assumes this shape and fails inside otherwise ("text is not
 * iterable"), so the file and key are named here.
 */
function checkUnigram(model: JsonObject): void {
  const vocab = model.vocab;
  if (!Array.isArray(vocab) || vocab.length === 0) {
    throw new TokenizerLoadError(
      `tokenizer.json: model.vocab: expected a non-empty array of [token, score] pairs for a Unigram model, got ${Array.isArray(vocab) ? 'an empty array' : vocab === undefined ? 'none' : describeValue(vocab)}`,
    );
  }
  vocab.forEach((entry: unknown, i) => {
    const pair = entry as unknown[];
    const ok =
      Array.isArray(pair) &&
      pair.length >= 2 &&
      typeof pair[0] === 'string' &&
      typeof pair[1] === 'number' &&
      Number.isFinite(pair[1]);
    if (!ok) {
      const got = Array.isArray(pair) ? `[${pair.map(describeValue).join(', ')}]` : describeValue(entry);
      throw new TokenizerLoadError(
        `tokenizer.json: model.vocab[${i}]: expected a [token, score] pair (a string and a finite number), got ${got}`,
      );
    }
  });
  const unk = model.unk_id;
  const inRange = Number.isInteger(unk) && (unk as number) >= 0 && (unk as number) < vocab.length;
  if (unk !== undefined && unk !== null && !inRange) {
    throw new TokenizerLoadError(
      `tokenizer.json: model.unk_id: expected null or an index into model.vocab (0 to ${vocab.length - 1}), got ${describeValue(unk)}`,
    );
  }
}

const asMapping = (v: unknown): JsonObject | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;

function checkTokenizerJson(value: unknown): JsonObject {
  const json = asObject(value, 'tokenizer.json');
  if (!json) throw new TokenizerLoadError('tokenizer.json: expected a JSON object, got undefined');
  const model = asObject(json.model, 'tokenizer.json: model');
  if (!model) throw new TokenizerLoadError('tokenizer.json: model: expected an object, got none');
  if (model.type !== undefined && !SUPPORTED_MODELS.includes(model.type as string)) {
    throw new TokenizerLoadError(
      `tokenizer.json: model.type: expected one of ${SUPPORTED_MODELS.join(', ')}, got ${describeValue(model.type)} (unsupported model type)`,
    );
  }
  if (model.type === 'Unigram' || (model.type === undefined && Array.isArray(model.vocab))) checkUnigram(model);
  else if (model.vocab !== undefined && asMapping(model.vocab) === undefined) {
    throw new TokenizerLoadError(
      `tokenizer.json: model.vocab: expected an object mapping tokens to ids for a ${String(model.type ?? 'BPE/WordPiece')} model, got ${describeValue(model.vocab)}`,
    );
  }
  const added = json.added_tokens ?? [];
  if (!Array.isArray(added)) {
    throw new TokenizerLoadError(
      `tokenizer.json: added_tokens: expected an array, got ${describeValue(added)}`,
    );
  }
  added.forEach((t: unknown, i) => {
    const token = t as JsonObject | null;
    if (typeof token?.content !== 'string' || !Number.isInteger(token.id) || (token.id as number) < 0) {
      throw new TokenizerLoadError(
        `tokenizer.json: added_tokens[${i}]: expected {id: integer, content: string}, got ${describeValue(t)}`,
      );
    }
  });
  const copy: JsonObject = { ...json, added_tokens: added };
  for (const key of PIPELINE_KEYS) if (!(key in copy)) copy[key] = null;
  return copy;
}

function readSide(config: JsonObject | undefined, key: string): Side {
  const value = config?.[key];
  if (value === undefined || value === null) return 'right';
  if (value !== 'left' && value !== 'right') {
    throw new TokenizerLoadError(
      `tokenizer_config.json: ${key}: expected "left" or "right", got ${describeValue(value)}`,
    );
  }
  return value;
}

function readMaxLength(config: JsonObject | undefined): number | undefined {
  const value = config?.model_max_length;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new TokenizerLoadError(
      `tokenizer_config.json: model_max_length: expected a positive number, got ${describeValue(value)}`,
    );
  }
  return value >= NO_MAX_LENGTH ? undefined : Math.floor(value);
}

function readChatTemplate(config: JsonObject | undefined): string | Record<string, string> | undefined {
  const value = config?.chat_template;
  if (value === undefined || value === null || typeof value === 'string') return value ?? undefined;
  if (Array.isArray(value)) {
    const named: Record<string, string> = {};
    value.forEach((entry: unknown, i) => {
      const { name, template } = (entry ?? {}) as JsonObject;
      if (typeof name !== 'string' || typeof template !== 'string') {
        throw new TokenizerLoadError(
          `tokenizer_config.json: chat_template[${i}]: expected {name: string, template: string}, got ${describeValue(entry)}`,
        );
      }
      named[name] = template;
    });
    return named;
  }
  throw new TokenizerLoadError(
    `tokenizer_config.json: chat_template: expected a string or a list of {name, template}, got ${describeValue(value)}`,
  );
}

/** Where the post-processor puts its tokens around a text: found by encoding a probe with and without them. */
function probeTemplate(hf: HfTokenizer): { prefix: number[]; suffix: number[] } {
  const full = hf.encode(PROBE_TEXT, { add_special_tokens: true }).ids as number[];
  const bare = hf.encode(PROBE_TEXT, { add_special_tokens: false }).ids as number[];
  for (let at = 0; at + bare.length <= full.length; at++) {
    if (bare.every((id, j) => full[at + j] === id)) {
      return { prefix: full.slice(0, at), suffix: full.slice(at + bare.length) };
    }
  }
  throw new TokenizerLoadError(
    `tokenizer.json: post_processor: expected special tokens only around the text, got ${JSON.stringify(full)} for ${JSON.stringify(bare)}`,
  );
}

export function buildTokenizerState(
  tokenizerJson: unknown,
  tokenizerConfig?: unknown,
  specialTokensMap?: unknown,
  modelConfig?: unknown,
): TokenizerState {
  const json = checkTokenizerJson(tokenizerJson);
  const config = asObject(tokenizerConfig, 'tokenizer_config.json');
  const map = asObject(specialTokensMap, 'special_tokens_map.json');
  const model = asObject(modelConfig, 'config.json');
  const tokenizerClass = tokenizerClassOf(config, model);
  const strings = resolveSpecialTokens(config, map, tokenizerClass);
  const flags = bosEosFlags(config, tokenizerClass);
  const cleanUp = config?.clean_up_tokenization_spaces ?? false;
  if (typeof cleanUp !== 'boolean') {
    throw new TokenizerLoadError(
      `tokenizer_config.json: clean_up_tokenization_spaces: expected true or false, got ${describeValue(cleanUp)}`,
    );
  }

  const libConfig: JsonObject = {
    ...config,
    additional_special_tokens: strings.additional,
    clean_up_tokenization_spaces: cleanUp,
  };
  for (const [key, token] of Object.entries(strings.named)) libConfig[key] = token;
  let hf: HfTokenizer;
  try {
    hf = new HfTokenizerClass(json, libConfig) as HfTokenizer;
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new TokenizerLoadError(
      `tokenizer.json: expected a tokenizer @huggingface/tokenizers can build, got an error: ${message}`,
      { cause },
    );
  }

  const special: TokenizerState['special'] = {};
  for (const [key, token] of Object.entries(strings.named) as [SpecialTokenKey, string][]) {
    const id = hf.token_to_id(token);
    const source = strings.sources[key] ?? 'class default';
    if (id !== undefined) special[key] = { token, id };
    else if (source !== 'class default') {
      throw new TokenizerLoadError(
        `${source}: ${key}: expected a token of the vocabulary, got ${JSON.stringify(token)}`,
      );
    }
  }
  const addedTokens = (json.added_tokens as JsonObject[]).map((t) => ({
    id: t.id as number,
    content: t.content as string,
    special: t.special === true,
  }));
  const specialTokenIds = new Set<number>(addedTokens.filter((t) => t.special).map((t) => t.id));
  for (const { id } of Object.values(special)) specialTokenIds.add(id);
  for (const token of strings.additional) {
    const id = hf.token_to_id(token);
    if (id === undefined) {
      const source = strings.sources.additional_special_tokens ?? 'tokenizer_config.json';
      throw new TokenizerLoadError(
        `${source}: additional_special_tokens: expected tokens of the vocabulary, got ${JSON.stringify(token)}`,
      );
    }
    specialTokenIds.add(id);
  }

  let template: { prefix: number[]; suffix: number[] };
  if (flags) {
    const need = (on: boolean, key: 'bos_token' | 'eos_token', flag: string): number[] => {
      if (!on) return [];
      const id = special[key]?.id;
      if (id === undefined)
        throw new TokenizerLoadError(`tokenizer_config.json: ${flag} is true: expected a ${key}, got none`);
      return [id];
    };
    template = {
      prefix: need(flags.addBos, 'bos_token', 'add_bos_token'),
      suffix: need(flags.addEos, 'eos_token', 'add_eos_token'),
    };
  } else template = probeTemplate(hf);

  let vocabSize = 0;
  for (const token of hf.get_vocab(true).keys()) if (token !== undefined) vocabSize++;

  return {
    hf,
    vocabSize,
    special,
    specialTokenIds,
    addedTokens,
    ...template,
    chatTemplate: readChatTemplate(config),
    modelMaxLength: readMaxLength(config),
    paddingSide: readSide(config, 'padding_side'),
    truncationSide: readSide(config, 'truncation_side'),
    cleanUpTokenizationSpaces: cleanUp,
  };
}

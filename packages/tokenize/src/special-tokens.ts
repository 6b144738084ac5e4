// Which strings are the bos/eos/pad/unk tokens, and whether bos/eos are added, as transformers'
// PreTrainedTokenizerBase._from_pretrained and LlamaTokenizerFast.update_post_processor decide them.
import { TokenizerLoadError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export const SPECIAL_TOKEN_KEYS = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
] as const;
export type SpecialTokenKey = (typeof SPECIAL_TOKEN_KEYS)[number];

export interface SpecialTokenStrings {
  named: Partial<Record<SpecialTokenKey, string>>;
  additional: string[];
  /** the file each named token came from, or 'class default' */
  sources: Partial<Record<SpecialTokenKey | 'additional_special_tokens', string>>;
}

/** The __init__ defaults of the tokenizer classes we meet, for keys tokenizer_config.json leaves out. */
const CLASS_DEFAULTS: Record<string, Partial<Record<SpecialTokenKey, string>>> = {
  GPT2Tokenizer: { unk_token: '<|endoftext|>', bos_token: '<|endoftext|>', eos_token: '<|endoftext|>' },
  Qwen2Tokenizer: { unk_token: '<|endoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>' },
  LlamaTokenizer: { unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>' },
  CodeLlamaTokenizer: { unk_token: '<unk>', bos_token: '<s>', eos_token: '</s>' },
  GemmaTokenizer: { unk_token: '<unk>', bos_token: '<bos>', eos_token: '<eos>', pad_token: '<pad>' },
};

/** Classes whose fast tokenizer rebuilds its post-processor from add_bos_token (default true) / add_eos_token. */
const BOS_BY_DEFAULT = new Set(['LlamaTokenizer', 'CodeLlamaTokenizer', 'GemmaTokenizer']);

/** config.json model_type -> tokenizer class, for folders whose tokenizer_config.json names none (gpt2). */
const CLASS_BY_MODEL_TYPE: Record<string, string> = {
  gpt2: 'GPT2Tokenizer',
  llama: 'LlamaTokenizer',
  qwen2: 'Qwen2Tokenizer',
  gemma: 'GemmaTokenizer',
  gemma2: 'GemmaTokenizer',
};

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** An optional JSON object argument, or a TokenizerLoadError naming the file. */
export function asObject(value: unknown, file: string): JsonObject | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenizerLoadError(`${file}: expected a JSON object, got ${describeValue(value)}`);
  }
  return value as JsonObject;
}

/** A special-token value: a string, an AddedToken object `{ content }`, or null/absent (no token). */
export function tokenContent(value: unknown, where: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as JsonObject).content === 'string') {
    return (value as JsonObject).content as string;
  }
  throw new TokenizerLoadError(
    `${where}: expected a token string or {"content": string}, got ${describeValue(value)}`,
  );
}

/** tokenizer_config's tokenizer_class without the "Fast" suffix, else the class config.json's model_type implies. */
export function tokenizerClassOf(
  config: JsonObject | undefined,
  modelConfig: JsonObject | undefined,
): string | undefined {
  const named = config?.tokenizer_class;
  if (typeof named === 'string') return named.replace(/Fast$/, '');
  const modelType = modelConfig?.model_type;
  return typeof modelType === 'string' ? CLASS_BY_MODEL_TYPE[modelType] : undefined;
}

/**
 * Special-token strings as transformers resolves them: tokenizer_config.json; then special_tokens_map.json
 * overrides it, but only for legacy configs without `added_tokens_decoder` (transformers ignores the map
 * otherwise); keys absent from both take the tokenizer class's defaults. An explicit null means "none".
 */
export function resolveSpecialTokens(
  config: JsonObject | undefined,
  specialTokensMap: JsonObject | undefined,
  tokenizerClass: string | undefined,
): SpecialTokenStrings {
  const merged: JsonObject = { ...config };
  const useMap = specialTokensMap !== undefined && !(config && 'added_tokens_decoder' in config);
  const sources: Record<string, string> = {};
  for (const key of Object.keys(merged)) sources[key] = 'tokenizer_config.json';
  if (useMap) {
    for (const [key, value] of Object.entries(specialTokensMap)) {
      if (key === 'additional_special_tokens' && Array.isArray(value) && Array.isArray(merged[key])) {
        merged[key] = [...(merged[key] as unknown[]), ...value];
      } else merged[key] = value;
      sources[key] = 'special_tokens_map.json';
    }
  }
  const defaults = (tokenizerClass && CLASS_DEFAULTS[tokenizerClass]) || {};
  const named: Partial<Record<SpecialTokenKey, string>> = {};
  const usedSources: SpecialTokenStrings['sources'] = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const value = key in merged ? tokenContent(merged[key], `${sources[key]}: ${key}`) : defaults[key];
    if (value === undefined) continue;
    named[key] = value;
    usedSources[key] = sources[key] ?? 'class default';
  }
  const additional: string[] = [];
  const extra = merged.additional_special_tokens;
  if (extra !== undefined && extra !== null) {
    usedSources.additional_special_tokens = sources.additional_special_tokens;
    const where = `${sources.additional_special_tokens}: additional_special_tokens`;
    if (!Array.isArray(extra))
      throw new TokenizerLoadError(`${where}: expected an array, got ${describeValue(extra)}`);
    extra.forEach((item, i) => {
      const content = tokenContent(item, `${where}[${i}]`);
      if (content !== undefined && !additional.includes(content)) additional.push(content);
    });
  }
  return { named, additional, sources: usedSources };
}

/**
 * Whether bos/eos wrap every encoded text, when tokenizer_config decides it (explicit add_bos_token /
 * add_eos_token, or a Llama-style class whose default is add_bos_token=true); undefined when the
 * tokenizer.json post_processor decides.
 */
export function bosEosFlags(
  config: JsonObject | undefined,
  tokenizerClass: string | undefined,
): { addBos: boolean; addEos: boolean } | undefined {
  const read = (key: 'add_bos_token' | 'add_eos_token'): boolean | undefined => {
    const value = config?.[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      throw new TokenizerLoadError(
        `tokenizer_config.json: ${key}: expected true or false, got ${describeValue(value)}`,
      );
    }
    return value;
  };
  const addBos = read('add_bos_token');
  const addEos = read('add_eos_token');
  const llamaStyle = tokenizerClass !== undefined && BOS_BY_DEFAULT.has(tokenizerClass);
  if (addBos === undefined && addEos === undefined && !llamaStyle) return undefined;
  return { addBos: addBos ?? llamaStyle, addEos: addEos ?? false };
}

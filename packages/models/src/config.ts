// config.json of LlamaForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel and GemmaForCausalLM, normalised
// (transformers LlamaConfig / Qwen2Config / GPT2Config / GemmaConfig and their defaults).
import { showValue } from '@lora/core';
import { ModelConfigError } from './errors.js';

/** The architectures this package runs (config.json `model_type`). */
export type Architecture = 'llama' | 'qwen2' | 'gpt2' | 'gemma';

/** Every architecture this package runs. */
export const ARCHITECTURES: readonly Architecture[] = ['llama', 'qwen2', 'gpt2', 'gemma'];

/** rope_scaling (or transformers 5's rope_parameters) types this package computes; others are refused. */
export type RopeScaling =
  | { type: 'linear'; factor: number }
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositions: number;
    };

/** A model's config.json, parsed and checked (`parseModelConfig`), in camelCase. */
export interface ModelConfig {
  architecture: Architecture;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  maxPositions: number;
  normEps: number;
  ropeTheta: number;
  tieWordEmbeddings: boolean;
  /** biases on the attention projections: q/k/v/o for Llama and Gemma when set, q/k/v for Qwen2, all for GPT-2 */
  attentionBias: boolean;
  hiddenAct: string;
  bosTokenId?: number;
  eosTokenIds: number[];
  padTokenId?: number;
  /** the original config.json object */
  raw: Record<string, unknown>;
  /** rope_scaling, when the model has one (Llama 3.1+ "llama3", or "linear") */
  ropeScaling?: RopeScaling;
  /** Llama's mlp_bias: biases on gate/up/down */
  mlpBias: boolean;
  /** GPT-2's scale_attn_by_inverse_layer_idx: attention scores also divided by (layer + 1) */
  scaleAttnByInverseLayerIdx: boolean;
}

const TANH_GELUS = ['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast'];

type Raw = Record<string, unknown>;

class Reader {
  constructor(
    readonly raw: Raw,
    readonly source: string,
  ) {}

  fail(key: string, expected: string, got: unknown): never {
    throw new ModelConfigError(
      `${this.source}: ${key} expected ${expected}, got ${showValue(got)}`,
    );
  }

  int(key: string, fallback?: number): number {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) this.fail(key, 'a positive integer', v);
    return v;
  }

  num(key: string, fallback: number, obj: Raw = this.raw, label = key): number {
    const v = obj[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      this.fail(label, 'a finite number > 0', obj[key]);
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key] ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, 'true or false', v);
    return v;
  }

  tokenId(key: string): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(key, 'a token id or null', v);
    return v;
  }

  tokenIds(key: string): number[] {
    const v = this.raw[key];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= 0)) {
      this.fail(key, 'a token id or a list of token ids', v);
    }
    return list as number[];
  }
}

function parseRope(r: Reader): { theta: number; scaling: RopeScaling | undefined } {
  const params = r.raw.rope_parameters;
  const paramsObj = typeof params === 'object' && params !== null ? (params as Raw) : undefined;
  const theta =
    r.raw.rope_theta !== undefined
      ? r.num('rope_theta', 10000)
      : r.num('rope_theta', 10000, paramsObj ?? {}, 'rope_parameters.rope_theta');
  const key =
    r.raw.rope_scaling !== undefined && r.raw.rope_scaling !== null ? 'rope_scaling' : 'rope_parameters';
  const spec = r.raw[key];
  if (spec === undefined || spec === null) return { theta, scaling: undefined };
  if (typeof spec !== 'object' || Array.isArray(spec)) r.fail(key, 'an object or null', spec);
  const s = spec as Raw;
  const type = s.rope_type ?? s.type ?? 'default';
  if (type === 'default') return { theta, scaling: undefined };
  const factor = r.num('factor', Number.NaN, s, `${key}.factor`);
  if (type === 'linear') return { theta, scaling: { type, factor } };
  if (type === 'llama3') {
    const lowFreqFactor = r.num('low_freq_factor', Number.NaN, s, `${key}.low_freq_factor`);
    const highFreqFactor = r.num('high_freq_factor', Number.NaN, s, `${key}.high_freq_factor`);
    if (!(highFreqFactor > lowFreqFactor))
      r.fail(`${key}.high_freq_factor`, `a number > low_freq_factor ${lowFreqFactor}`, highFreqFactor);
    const originalMaxPositions = r.num(
      'original_max_position_embeddings',
      Number.NaN,
      s,
      `${key}.original_max_position_embeddings`,
    );
    return { theta, scaling: { type, factor, lowFreqFactor, highFreqFactor, originalMaxPositions } };
  }
  return r.fail(
    `${key}.rope_type`,
    '"default", "linear" or "llama3" (other RoPE scalings are not supported)',
    type,
  );
}

function parseDecoderOnly(r: Reader, architecture: Exclude<Architecture, 'gpt2'>): ModelConfig {
  const hiddenSize = r.int('hidden_size');
  const numHeads = r.int('num_attention_heads');
  const numKvHeads = r.int('num_key_value_heads', numHeads);
  const hasHeadDim = r.raw.head_dim !== undefined && r.raw.head_dim !== null;
  if (!hasHeadDim && architecture !== 'gemma' && hiddenSize % numHeads !== 0) {
    r.fail('num_attention_heads', `a divisor of hidden_size ${hiddenSize} (no head_dim is given)`, numHeads);
  }
  const headDim = hasHeadDim
    ? r.int('head_dim')
    : architecture === 'gemma'
      ? r.int('head_dim', 256)
      : hiddenSize / numHeads;
  if (numHeads % numKvHeads !== 0)
    r.fail('num_key_value_heads', `a divisor of num_attention_heads ${numHeads}`, numKvHeads);
  let hiddenAct: string;
  if (architecture === 'gemma') {
    hiddenAct = String(r.raw.hidden_activation ?? 'gelu_pytorch_tanh'); // GemmaMLP ignores hidden_act
    if (!TANH_GELUS.includes(hiddenAct))
      r.fail('hidden_activation', `one of ${TANH_GELUS.join(', ')}`, r.raw.hidden_activation);
  } else {
    hiddenAct = String(r.raw.hidden_act ?? 'silu');
    if (hiddenAct !== 'silu') r.fail('hidden_act', '"silu"', r.raw.hidden_act);
  }
  if (architecture === 'qwen2' && r.raw.use_sliding_window === true)
    r.fail('use_sliding_window', 'false (sliding-window attention is not supported)', true);
  const rope = parseRope(r);
  return {
    architecture,
    vocabSize: r.int('vocab_size'),
    hiddenSize,
    intermediateSize: r.int('intermediate_size'),
    numLayers: r.int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    maxPositions: r.int('max_position_embeddings', 2048),
    normEps: r.num('rms_norm_eps', 1e-6),
    ropeTheta: rope.theta,
    tieWordEmbeddings: r.bool('tie_word_embeddings', architecture === 'gemma'),
    attentionBias: architecture === 'qwen2' ? true : r.bool('attention_bias', false),
    hiddenAct,
    bosTokenId: r.tokenId('bos_token_id'),
    eosTokenIds: r.tokenIds('eos_token_id'),
    padTokenId: r.tokenId('pad_token_id'),
    raw: r.raw,
    ropeScaling: rope.scaling,
    mlpBias: architecture === 'llama' ? r.bool('mlp_bias', false) : false,
    scaleAttnByInverseLayerIdx: false,
  };
}

function parseGpt2(r: Reader): ModelConfig {
  const hiddenSize = r.int('n_embd');
  const numHeads = r.int('n_head');
  if (hiddenSize % numHeads !== 0) r.fail('n_head', `a divisor of n_embd ${hiddenSize}`, numHeads);
  const hiddenAct = String(r.raw.activation_function ?? 'gelu_new');
  if (!TANH_GELUS.includes(hiddenAct))
    r.fail('activation_function', `one of ${TANH_GELUS.join(', ')}`, r.raw.activation_function);
  return {
    architecture: 'gpt2',
    vocabSize: r.int('vocab_size'),
    hiddenSize,
    intermediateSize:
      r.raw.n_inner === null || r.raw.n_inner === undefined ? 4 * hiddenSize : r.int('n_inner'),
    numLayers: r.int('n_layer'),
    numHeads,
    numKvHeads: numHeads,
    headDim: hiddenSize / numHeads,
    maxPositions: r.int('n_positions'),
    normEps: r.num('layer_norm_epsilon', 1e-5),
    ropeTheta: 0,
    tieWordEmbeddings: r.bool('tie_word_embeddings', true),
    attentionBias: true,
    hiddenAct,
    bosTokenId: r.tokenId('bos_token_id'),
    eosTokenIds: r.tokenIds('eos_token_id'),
    padTokenId: r.tokenId('pad_token_id'),
    raw: r.raw,
    mlpBias: true,
    scaleAttnByInverseLayerIdx: r.bool('scale_attn_by_inverse_layer_idx', false),
  };
}

/**
 * Normalise a parsed config.json. `source` names the file in errors.
 * Throws ModelConfigError naming the key: unknown model_type, heads not dividing hidden, unsupported rope_scaling, …
 */
export function parseModelConfig(json: unknown, source = 'config.json'): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelConfigError(
      `${source}: expected a JSON object, got ${Array.isArray(json) ? 'an array' : JSON.stringify(json)}`,
    );
  }
  const r = new Reader(json as Raw, source);
  const modelType = r.raw.model_type;
  switch (modelType) {
    case 'llama':
    case 'qwen2':
    case 'gemma':
      return parseDecoderOnly(r, modelType);
    case 'gpt2':
      return parseGpt2(r);
    default:
      return r.fail('model_type', `one of ${ARCHITECTURES.map((a) => `"${a}"`).join(', ')}`, modelType);
  }
}

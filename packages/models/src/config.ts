// config.json of a supported model, normalised: the fields common to every architecture here, the rest by the
// architecture's spec (architectures/<name>/), which follows its transformers *Config class and defaults.

import { ConfigReader } from './architectures/config-reader.js';
import { ARCHITECTURES, type Architecture, findArchitecture } from './architectures/index.js';
import { ModelConfigError } from './errors.js';

export { ARCHITECTURES, type Architecture };

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
  /** sliding-window attention: a query at index i sees keys j with i − window < j ≤ i; undefined = full attention */
  slidingWindow: number | undefined;
  /**
   * the layers slidingWindow applies to (Gemma 2's layer_types: every other layer, the first sliding); undefined =
   * every layer
   */
  slidingLayers?: readonly boolean[];
  /** Gemma 2's query_pre_attn_scalar: attention scores scaled by its −½ power instead of head_dim's */
  queryPreAttnScalar?: number;
  /** tanh soft-capping (Gemma 2's): attention scores = cap · tanh(scores / cap) before the masks and softmax */
  attnLogitSoftcapping?: number;
  /** tanh soft-capping of the final logits, before the loss and in every logits output */
  finalLogitSoftcapping?: number;
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
  const r = new ConfigReader(json as Record<string, unknown>, source);
  const modelType = r.raw.model_type;
  const spec = findArchitecture(modelType);
  if (!spec)
    return r.fail('model_type', `one of ${ARCHITECTURES.map((a) => `"${a}"`).join(', ')}`, modelType);
  const fields = spec.parseConfig(r);
  return {
    architecture: spec.modelType as Architecture,
    ...fields,
    bosTokenId: r.tokenId('bos_token_id'),
    eosTokenIds: r.tokenIds('eos_token_id'),
    padTokenId: r.tokenId('pad_token_id'),
    raw: r.raw,
  };
}

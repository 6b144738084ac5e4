// The "model.layers.N" layout shared by LlamaForCausalLM and the models built like it (Qwen2, Gemma, Mistral):
// names, tensors and config fields, parameterised by what differs (norm offset, biases, activation, head_dim).
import type { ModelConfig } from '../config.js';
import type { NormKind } from '../norm.js';
import type { ConfigReader } from './config-reader.js';
import { parseRope } from './rope-config.js';
import type { ArchitectureFields, LayerNames, ModelNames, TensorSpec } from './spec.js';
import { TensorList } from './tensor-list.js';

/** The names of a model.layers.N model (LlamaModel's state dict). */
export function decoderNames(config: ModelConfig, normKind: NormKind): ModelNames {
  const layers: LayerNames[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    const a = `${p}.self_attn`;
    layers.push({
      prefix: p,
      norm1: `${p}.input_layernorm`,
      norm2: `${p}.post_attention_layernorm`,
      attention: { q: `${a}.q_proj`, k: `${a}.k_proj`, v: `${a}.v_proj`, o: `${a}.o_proj` },
      mlp: { gate: `${p}.mlp.gate_proj`, up: `${p}.mlp.up_proj`, down: `${p}.mlp.down_proj` },
    });
  }
  return {
    embed: 'model.embed_tokens.weight',
    finalNorm: 'model.norm',
    lmHead: config.tieWordEmbeddings ? undefined : 'lm_head.weight',
    normKind,
    layers,
  };
}

/**
 * Every tensor of a model.layers.N model, with the post-norms where the names have them (Gemma 2); `oBias`: whether
 * o_proj has a bias when the config's attentionBias is set.
 */
export function decoderTensors(config: ModelConfig, names: ModelNames, oBias: boolean): TensorSpec[] {
  const {
    hiddenSize: C,
    intermediateSize: I,
    numHeads: H,
    numKvHeads: Hkv,
    headDim: D,
    vocabSize: V,
  } = config;
  const list = new TensorList();
  list.table(names.embed, 'embedding', V, C);
  for (const layer of names.layers) {
    list.norm(layer.norm1, C, false);
    const a = layer.attention as { q: string; k: string; v: string; o: string };
    list.linear(a.q, C, H * D, config.attentionBias);
    list.linear(a.k, C, Hkv * D, config.attentionBias);
    list.linear(a.v, C, Hkv * D, config.attentionBias);
    list.linear(a.o, H * D, C, config.attentionBias && oBias);
    if (layer.postAttentionNorm) list.norm(layer.postAttentionNorm, C, false); // Gemma 2's post-norms
    list.norm(layer.norm2, C, false);
    const m = layer.mlp as { gate: string; up: string; down: string };
    list.linear(m.gate, C, I, config.mlpBias);
    list.linear(m.up, C, I, config.mlpBias);
    list.linear(m.down, I, C, config.mlpBias);
    if (layer.postMlpNorm) list.norm(layer.postMlpNorm, C, false);
  }
  list.norm(names.finalNorm, C, false);
  if (names.lmHead) list.table(names.lmHead, 'lm_head', V, C);
  return list.specs;
}

/** What differs between the config classes of model.layers.N models. */
export interface DecoderConfigOptions {
  /** head_dim when config.json has none; without it, hidden_size / num_attention_heads, which must divide */
  headDim?: number;
  /** num_key_value_heads when config.json has no such key (Mistral: 8); null or absent otherwise: the heads */
  kvHeads?: number;
  /** max_position_embeddings' default (LlamaConfig: 2048) */
  maxPositions?: number;
  /** rms_norm_eps' default (LlamaConfig: 1e-6) */
  normEps?: number;
  /** the activation's key, its default and the values the MLP computes */
  activation: { key: 'hidden_act' | 'hidden_activation'; fallback: string; allowed: readonly string[] };
  /** tie_word_embeddings' default */
  tieWordEmbeddings: boolean;
  /** attention biases: read from attention_bias ('config'), or fixed (Qwen2: always on q/k/v) */
  attentionBias: 'config' | boolean;
  /** MLP biases: read from mlp_bias ('config'), or fixed */
  mlpBias: 'config' | boolean;
  /** the sliding-window size config.json sets, read after the activation (undefined: full attention) */
  slidingWindow?: (r: ConfigReader) => number | undefined;
}

/** The fields of a model.layers.N config (LlamaConfig and its kin), with their transformers defaults. */
export function parseDecoderConfig(r: ConfigReader, options: DecoderConfigOptions): ArchitectureFields {
  const hiddenSize = r.int('hidden_size');
  const numHeads = r.int('num_attention_heads');
  const numKvHeads = r.int(
    'num_key_value_heads',
    r.raw.num_key_value_heads === undefined ? (options.kvHeads ?? numHeads) : numHeads,
  );
  const hasHeadDim = r.has('head_dim');
  if (!hasHeadDim && options.headDim === undefined && hiddenSize % numHeads !== 0) {
    r.fail('num_attention_heads', `a divisor of hidden_size ${hiddenSize} (no head_dim is given)`, numHeads);
  }
  const headDim = hasHeadDim ? r.int('head_dim') : (options.headDim ?? hiddenSize / numHeads);
  if (numHeads % numKvHeads !== 0)
    r.fail('num_key_value_heads', `a divisor of num_attention_heads ${numHeads}`, numKvHeads);
  const { key, fallback, allowed } = options.activation;
  const hiddenAct = r.oneOf(key, fallback, allowed);
  const slidingWindow = options.slidingWindow?.(r);
  const rope = parseRope(r);
  return {
    vocabSize: r.int('vocab_size'),
    hiddenSize,
    intermediateSize: r.int('intermediate_size'),
    numLayers: r.int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    maxPositions: r.int('max_position_embeddings', options.maxPositions ?? 2048),
    normEps: r.num('rms_norm_eps', options.normEps ?? 1e-6),
    ropeTheta: rope.theta,
    tieWordEmbeddings: r.bool('tie_word_embeddings', options.tieWordEmbeddings),
    attentionBias:
      options.attentionBias === 'config' ? r.bool('attention_bias', false) : options.attentionBias,
    hiddenAct,
    ropeScaling: rope.scaling,
    mlpBias: options.mlpBias === 'config' ? r.bool('mlp_bias', false) : options.mlpBias,
    scaleAttnByInverseLayerIdx: false,
    slidingWindow,
  };
}

// Gemma2ForCausalLM (transformers modeling_gemma2.py, Gemma2Config): Gemma's (1 + w) RMSNorm, tanh-GELU GeGLU, √hidden
// embedding scale and tied embeddings, plus four norms per layer — input_layernorm before attention,
// post_attention_layernorm on the attention output before its residual add, pre_feedforward_layernorm before the MLP,
// post_feedforward_layernorm on the MLP output before its residual add; scores scaled by query_pre_attn_scalar^−½;
// tanh soft-capping of the scores (attn_logit_softcapping, before the masks) and of the final logits
// (final_logit_softcapping, before the loss); a sliding window (masked as Mistral's: keys i − window < j ≤ i) on the
// layers layer_types names "sliding_attention" — by default every other layer, the first one sliding (Gemma2Config:
// sliding when (i + 1) % 2, as older transformers' is_sliding = not layer_idx % 2). Refused: bidirectional attention
// (use_bidirectional_attention) and attention dropout this runtime does not apply.
import type { ModelConfig } from '../../config.js';
import type { ConfigReader } from '../config-reader.js';
import { decoderNames, decoderTensors, parseDecoderConfig } from '../decoder-layout.js';
import { slidingLayers } from '../layer-types.js';
import type { ArchitectureFields, ArchitectureSpec, LayerNames, ModelNames } from '../spec.js';

/** The model.layers.N names with Gemma 2's four norms: pre_feedforward_layernorm is the second pre-norm. */
function names(config: ModelConfig): ModelNames {
  const base = decoderNames(config, 'rms1p');
  return {
    ...base,
    layers: base.layers.map(
      (layer): LayerNames => ({
        ...layer,
        norm2: `${layer.prefix}.pre_feedforward_layernorm`,
        postAttentionNorm: `${layer.prefix}.post_attention_layernorm`,
        postMlpNorm: `${layer.prefix}.post_feedforward_layernorm`,
      }),
    ),
  };
}

/** A cap (> 0), or undefined when config.json sets it null; `fallback` when absent. */
function softcap(r: ConfigReader, key: string, fallback: number): number | undefined {
  return r.raw[key] === null ? undefined : r.num(key, fallback);
}

function parseConfig(r: ConfigReader): ArchitectureFields {
  if (r.raw.use_bidirectional_attention)
    r.fail(
      'use_bidirectional_attention',
      'false or null (only causal attention)',
      r.raw.use_bidirectional_attention,
    );
  if (r.has('attention_dropout') && r.raw.attention_dropout !== 0)
    r.fail('attention_dropout', '0 (dropout inside the model is not applied)', r.raw.attention_dropout);
  const fields = parseDecoderConfig(r, {
    headDim: 256,
    kvHeads: 4,
    maxPositions: 8192,
    activation: {
      key: 'hidden_activation',
      fallback: 'gelu_pytorch_tanh',
      allowed: ['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast'],
    },
    tieWordEmbeddings: true,
    attentionBias: 'config',
    mlpBias: false,
    slidingWindow: (r) => (r.raw.sliding_window === null ? undefined : r.int('sliding_window', 4096)),
  });
  return {
    ...fields,
    slidingLayers: slidingLayers(r, fields.numLayers, (i) => i % 2 === 0), // Gemma2Config: sliding when (i + 1) % 2
    queryPreAttnScalar: r.num('query_pre_attn_scalar', 256),
    attnLogitSoftcapping: softcap(r, 'attn_logit_softcapping', 50),
    finalLogitSoftcapping: softcap(r, 'final_logit_softcapping', 30),
  };
}

export const gemma2: ArchitectureSpec = {
  modelType: 'gemma2',
  reference: 'Gemma2ForCausalLM (modeling_gemma2.py)',
  parseConfig,
  names,
  tensors: (config) => decoderTensors(config, names(config), true),
  activation: 'geluTanh',
  positions: 'rope',
  // Gemma2Model: hidden_states * torch.tensor(hidden_size ** 0.5, dtype=hidden_states.dtype)
  embedScale: (config) => Math.fround(Math.sqrt(config.hiddenSize)),
  lora: {
    targetModules: ['q_proj', 'v_proj'],
    fanInFanOut: false,
    mlxKeys: ['self_attn.q_proj', 'self_attn.v_proj'],
  },
  // gemma-2-2b's config.json, shrunk: a window of 3 keys on layer 0 (shorter than the test sequences, so it masks),
  // layer 1 full; query_pre_attn_scalar ≠ head_dim; caps small enough that tanh bends on the test values
  tinyConfig: {
    architectures: ['Gemma2ForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    attn_logit_softcapping: 5.0,
    bos_token_id: 2,
    cache_implementation: 'hybrid',
    eos_token_id: 1,
    final_logit_softcapping: 3.0,
    head_dim: 8,
    hidden_act: 'gelu_pytorch_tanh',
    hidden_activation: 'gelu_pytorch_tanh',
    hidden_size: 32,
    initializer_range: 0.02,
    intermediate_size: 64,
    max_position_embeddings: 256,
    model_type: 'gemma2',
    num_attention_heads: 4,
    num_hidden_layers: 2,
    num_key_value_heads: 2,
    pad_token_id: 0,
    query_pre_attn_scalar: 12,
    rms_norm_eps: 1e-6,
    rope_theta: 10000.0,
    sliding_window: 3,
    torch_dtype: 'float32',
    transformers_version: '4.42.4',
    use_cache: true,
    vocab_size: 128,
  },
};

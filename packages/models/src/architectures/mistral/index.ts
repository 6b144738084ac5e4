// MistralForCausalLM (transformers modeling_mistral.py, MistralConfig): Llama's layers without biases, and
// sliding-window attention — a query at index i sees keys i − sliding_window < j ≤ i (masking_utils
// sliding_window_overlay), over every layer; sliding_window null means full attention. MistralConfig has no
// use_sliding_window (Qwen2's switch): the modeling code reads sliding_window alone, and so does this spec.
import { decoderNames, decoderTensors, parseDecoderConfig } from '../decoder-layout.js';
import type { ArchitectureSpec } from '../spec.js';

export const mistral: ArchitectureSpec = {
  modelType: 'mistral',
  reference: 'MistralForCausalLM (modeling_mistral.py)',
  parseConfig: (r) =>
    parseDecoderConfig(r, {
      kvHeads: 8,
      maxPositions: 4096 * 32,
      activation: { key: 'hidden_act', fallback: 'silu', allowed: ['silu'] },
      tieWordEmbeddings: false,
      attentionBias: false,
      mlpBias: false,
      slidingWindow: (r) => (r.raw.sliding_window === null ? undefined : r.int('sliding_window', 4096)),
    }),
  names: (config) => decoderNames(config, 'rms'),
  tensors: (config) => decoderTensors(config, mistral.names(config), false),
  activation: 'silu',
  positions: 'rope',
  embedScale: () => undefined,
  lora: {
    targetModules: ['q_proj', 'v_proj'],
    fanInFanOut: false,
    mlxKeys: ['self_attn.q_proj', 'self_attn.v_proj'],
  },
  // Mistral-7B-v0.1's config.json, shrunk; a window of 3 keys, shorter than the test sequences, so it masks
  tinyConfig: {
    architectures: ['MistralForCausalLM'],
    attention_dropout: 0.0,
    bos_token_id: 1,
    eos_token_id: 2,
    head_dim: 8,
    hidden_act: 'silu',
    hidden_size: 32,
    initializer_range: 0.02,
    intermediate_size: 64,
    max_position_embeddings: 256,
    model_type: 'mistral',
    num_attention_heads: 4,
    num_hidden_layers: 2,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-5,
    rope_theta: 10000.0,
    sliding_window: 3,
    tie_word_embeddings: false,
    transformers_version: '4.44.0',
    use_cache: true,
    vocab_size: 128,
  },
};

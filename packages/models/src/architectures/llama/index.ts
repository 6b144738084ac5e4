// LlamaForCausalLM (transformers modeling_llama.py, LlamaConfig): RMSNorm, SwiGLU, rotary q/k with default, linear
// or llama3 scaling, optional attention_bias / mlp_bias, grouped KV heads.
import { decoderNames, decoderTensors, parseDecoderConfig } from '../decoder-layout.js';
import type { ArchitectureSpec } from '../spec.js';

export const llama: ArchitectureSpec = {
  modelType: 'llama',
  reference: 'LlamaForCausalLM (modeling_llama.py)',
  parseConfig: (r) =>
    parseDecoderConfig(r, {
      activation: { key: 'hidden_act', fallback: 'silu', allowed: ['silu'] },
      tieWordEmbeddings: false,
      attentionBias: 'config',
      mlpBias: 'config',
    }),
  names: (config) => decoderNames(config, 'rms'),
  tensors: (config) => decoderTensors(config, llama.names(config), true),
  activation: 'silu',
  positions: 'rope',
  embedScale: () => undefined,
  lora: {
    targetModules: ['q_proj', 'v_proj'],
    fanInFanOut: false,
    mlxKeys: ['self_attn.q_proj', 'self_attn.v_proj'],
  },
  tinyConfig: {
    architectures: ['LlamaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 1,
    eos_token_id: [2, 3],
    head_dim: 8,
    hidden_act: 'silu',
    hidden_size: 32,
    initializer_range: 0.02,
    intermediate_size: 64,
    max_position_embeddings: 256,
    mlp_bias: false,
    model_type: 'llama',
    num_attention_heads: 4,
    num_hidden_layers: 2,
    num_key_value_heads: 2,
    pretraining_tp: 1,
    rms_norm_eps: 1e-5,
    rope_scaling: {
      factor: 8.0,
      high_freq_factor: 4.0,
      low_freq_factor: 1.0,
      original_max_position_embeddings: 64,
      rope_type: 'llama3',
    },
    rope_theta: 10000.0,
    tie_word_embeddings: false,
    transformers_version: '4.45.0',
    use_cache: true,
    vocab_size: 128,
  },
};

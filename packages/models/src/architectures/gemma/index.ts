// GemmaForCausalLM (transformers modeling_gemma.py, GemmaConfig): RMSNorm scaled by (1 + w), GeGLU with tanh-GELU
// (hidden_activation; hidden_act is ignored), the embedding times √hidden, head_dim 256 by default, tied embeddings.
import { decoderNames, decoderTensors, parseDecoderConfig } from '../decoder-layout.js';
import type { ArchitectureSpec } from '../spec.js';

export const gemma: ArchitectureSpec = {
  modelType: 'gemma',
  reference: 'GemmaForCausalLM (modeling_gemma.py)',
  parseConfig: (r) =>
    parseDecoderConfig(r, {
      headDim: 256,
      activation: {
        key: 'hidden_activation',
        fallback: 'gelu_pytorch_tanh',
        allowed: ['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast'],
      },
      tieWordEmbeddings: true,
      attentionBias: 'config',
      mlpBias: false,
    }),
  names: (config) => decoderNames(config, 'rms1p'),
  tensors: (config) => decoderTensors(config, gemma.names(config), true),
  activation: 'geluTanh',
  positions: 'rope',
  // GemmaModel: hidden_states * torch.tensor(hidden_size ** 0.5, dtype=hidden_states.dtype)
  embedScale: (config) => Math.fround(Math.sqrt(config.hiddenSize)),
  lora: {
    targetModules: ['q_proj', 'v_proj'],
    fanInFanOut: false,
    mlxKeys: ['self_attn.q_proj', 'self_attn.v_proj'],
  },
  tinyConfig: {
    architectures: ['GemmaForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 2,
    eos_token_id: 1,
    head_dim: 16,
    hidden_act: 'gelu',
    hidden_activation: 'gelu_pytorch_tanh',
    hidden_size: 32,
    initializer_range: 0.02,
    intermediate_size: 64,
    max_position_embeddings: 256,
    model_type: 'gemma',
    num_attention_heads: 4,
    num_hidden_layers: 2,
    num_key_value_heads: 1,
    pad_token_id: 0,
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    rope_theta: 10000.0,
    transformers_version: '4.49.0',
    use_cache: true,
    vocab_size: 128,
  },
};

// Qwen2ForCausalLM (transformers modeling_qwen2.py, Qwen2Config): Llama's layout with biases on q/k/v (not o_proj),
// tied embeddings by default; sliding-window attention (use_sliding_window with max_window_layers) is refused.
import { decoderNames, decoderTensors, parseDecoderConfig } from '../decoder-layout.js';
import type { ArchitectureSpec } from '../spec.js';

export const qwen2: ArchitectureSpec = {
  modelType: 'qwen2',
  reference: 'Qwen2ForCausalLM (modeling_qwen2.py)',
  parseConfig: (r) =>
    parseDecoderConfig(r, {
      activation: { key: 'hidden_act', fallback: 'silu', allowed: ['silu'] },
      tieWordEmbeddings: false,
      attentionBias: true,
      mlpBias: false,
      slidingWindow: (r) => {
        if (r.raw.use_sliding_window === true)
          r.fail('use_sliding_window', 'false (sliding-window attention is not supported)', true);
        return undefined;
      },
    }),
  names: (config) => decoderNames(config, 'rms'),
  tensors: (config) => decoderTensors(config, qwen2.names(config), false),
  activation: 'silu',
  positions: 'rope',
  embedScale: () => undefined,
  lora: {
    targetModules: ['q_proj', 'v_proj'],
    fanInFanOut: false,
    mlxKeys: ['self_attn.q_proj', 'self_attn.v_proj'],
  },
  tinyConfig: {
    architectures: ['Qwen2ForCausalLM'],
    attention_dropout: 0.0,
    bos_token_id: 120,
    eos_token_id: 121,
    hidden_act: 'silu',
    hidden_size: 32,
    initializer_range: 0.02,
    intermediate_size: 64,
    max_position_embeddings: 256,
    max_window_layers: 2,
    model_type: 'qwen2',
    num_attention_heads: 4,
    num_hidden_layers: 2,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    rope_theta: 1000000.0,
    sliding_window: 256,
    tie_word_embeddings: true,
    transformers_version: '4.49.0',
    use_cache: true,
    use_sliding_window: false,
    vocab_size: 128,
  },
};

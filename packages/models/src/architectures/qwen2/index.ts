// Qwen2ForCausalLM (transformers modeling_qwen2.py, Qwen2Config): Llama's layout with biases on q/k/v (not o_proj),
// tied embeddings by default. Sliding-window attention only with use_sliding_window (Qwen2Config sets sliding_window
// None otherwise), on the layers layer_types names "sliding_attention" — by default layers i >= max_window_layers
// (28 when absent); masked as Mistral's, keys i − window < j ≤ i.
import type { ConfigReader } from '../config-reader.js';
import { decoderNames, decoderTensors, parseDecoderConfig } from '../decoder-layout.js';
import { slidingLayers } from '../layer-types.js';
import type { ArchitectureFields, ArchitectureSpec } from '../spec.js';

function parseConfig(r: ConfigReader): ArchitectureFields {
  const sliding = r.bool('use_sliding_window', false);
  const fields = parseDecoderConfig(r, {
    activation: { key: 'hidden_act', fallback: 'silu', allowed: ['silu'] },
    tieWordEmbeddings: false,
    attentionBias: true,
    mlpBias: false,
    slidingWindow: (r) => (sliding ? r.int('sliding_window', 4096) : undefined),
  });
  if (!sliding) return fields;
  const firstSliding = r.raw.max_window_layers ?? 28;
  if (typeof firstSliding !== 'number' || !Number.isInteger(firstSliding) || firstSliding < 0)
    r.fail('max_window_layers', 'an integer >= 0', firstSliding);
  return { ...fields, slidingLayers: slidingLayers(r, fields.numLayers, (i) => i >= firstSliding) };
}

export const qwen2: ArchitectureSpec = {
  modelType: 'qwen2',
  reference: 'Qwen2ForCausalLM (modeling_qwen2.py)',
  parseConfig,
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

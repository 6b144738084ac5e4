// STAND-IN for an in-memory `writeTinyCheckpoint` (which writes to disk through node:fs): the Qwen2 config.json of
// the CLI's embedded default and seeded weights with the same per-role scales, kept as Float32Arrays by HF name.
// Delete once @lora/models exports the tensors its tiny checkpoints are made of.
import { createPrng } from '@lora/datasets';
import { type ModelConfig, parseModelConfig, type TensorSpec, tensorSpecs } from '@lora/models';

/** The CLI's DEFAULT_MODEL (apps/cli/src/default-setup.ts): a Qwen2 with hidden 64, 2 layers, GQA 4/2. */
export const DEMO_MODEL = {
  hidden_size: 64,
  intermediate_size: 128,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  num_hidden_layers: 2,
  max_position_embeddings: 256,
  sliding_window: 256,
  max_window_layers: 2,
} as const;

export interface TinyQwen2Options {
  /** rounded up to a multiple of 8, as the CLI does */
  vocabSize: number;
  bosTokenId: number;
  eosTokenId: number;
  seed: number;
}

export interface TinyQwen2 {
  /** the config.json object */
  raw: Record<string, unknown>;
  config: ModelConfig;
  tensors: Map<string, Float32Array>;
}

/** Qwen2ForCausalLM's config.json keys (as Qwen2.5 writes them) for the demo's sizes. */
export function tinyQwen2Config(o: TinyQwen2Options): Record<string, unknown> {
  return {
    architectures: ['Qwen2ForCausalLM'],
    attention_dropout: 0.0,
    bos_token_id: o.bosTokenId,
    eos_token_id: o.eosTokenId,
    hidden_act: 'silu',
    initializer_range: 0.02,
    model_type: 'qwen2',
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    rope_theta: 1000000.0,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    use_cache: true,
    use_sliding_window: false,
    ...DEMO_MODEL,
    vocab_size: Math.ceil(o.vocabSize / 8) * 8,
  };
}

/** N(mean, std²) per role: embeddings 0.3, linear weights 1/√in, norms around 1, biases 0.1. */
function scaleOf(spec: TensorSpec): { mean: number; std: number } {
  if (spec.role === 'embedding') return { mean: 0, std: 0.3 };
  if (spec.role === 'norm' && spec.kind === 'weight') return { mean: 1, std: 0.1 };
  if ((spec.role === 'linear' || spec.role === 'lm_head') && spec.kind === 'weight') {
    return { mean: 0, std: 1 / Math.sqrt(spec.shape[1]!) }; // (out, in)
  }
  return { mean: 0, std: 0.1 };
}

/** A seeded tiny Qwen2: the same seed gives the same weights on every platform (32-bit integer PRNG). */
export function tinyQwen2(o: TinyQwen2Options): TinyQwen2 {
  const raw = tinyQwen2Config(o);
  const config = parseModelConfig(raw, 'demo config.json');
  const prng = createPrng(o.seed);
  const uniform = () => (prng.nextUint32() + 0.5) / 4294967296; // (0, 1)
  const tensors = new Map<string, Float32Array>();
  for (const spec of tensorSpecs(config)) {
    const { mean, std } = scaleOf(spec);
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) {
      data[i] = mean + std * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()); // Box-Muller
    }
    tensors.set(spec.name, data);
  }
  return { raw, config, tensors };
}

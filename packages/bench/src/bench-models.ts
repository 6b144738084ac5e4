// The models the bench builds: the small Llama (TinyLlama's shape scaled down), the Qwen2.5-0.5B and -1.5B configs
// (from the shared fixtures when present, else inlined copies), and seeded generated weights for any of them — so
// every table measures the same models without a checkpoint on disk.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type parseModelConfig, tensorSpecs } from '@lora/models';

/** TinyLlama's shape scaled down: 4 layers, hidden 512, GQA 8/4 heads, Llama-2 vocabulary. */
export const LLAMA_BENCH_CONFIG: Record<string, unknown> = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 32000,
  hidden_size: 512,
  intermediate_size: 1408,
  num_hidden_layers: 4,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-5,
  rope_theta: 10000.0,
  hidden_act: 'silu',
  tie_word_embeddings: false,
  bos_token_id: 1,
  eos_token_id: 2,
};

/** Qwen2.5-0.5B-Instruct's config.json (shared fixture qwen2.5-instruct), inlined for clones without the fixtures. */
export const QWEN25_05B_CONFIG: Record<string, unknown> = {
  architectures: ['Qwen2ForCausalLM'],
  bos_token_id: 151643,
  eos_token_id: 151645,
  hidden_act: 'silu',
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

/**
 * Qwen2.5-1.5B-Instruct's config.json values (shared fixture qwen2.5-instruct, saved by transformers 5 with
 * rope_parameters and 28 "full_attention" layer_types), inlined in the 0.5B copy's form for clones without the fixtures.
 */
export const QWEN25_15B_CONFIG: Record<string, unknown> = {
  ...QWEN25_05B_CONFIG,
  hidden_size: 1536,
  intermediate_size: 8960,
  num_attention_heads: 12,
  num_hidden_layers: 28,
  sliding_window: null,
};

const QWEN_FIXTURES = {
  '0.5b': { file: 'config.qwen2.5-0.5b-instruct.resaved-4.49.json', inlined: QWEN25_05B_CONFIG },
  '1.5b': { file: 'config.qwen2.5-1.5b-instruct.resaved-transformers5.json', inlined: QWEN25_15B_CONFIG },
} as const;

/**
 * A Qwen2.5 config (0.5B by default) from the shared fixtures when present (LORA_SHARED_FIXTURES or
 * ../shared/fixtures), else its inlined copy.
 */
export function qwenBenchConfig(size: keyof typeof QWEN_FIXTURES = '0.5b'): {
  config: Record<string, unknown>;
  source: string;
} {
  const { file: name, inlined } = QWEN_FIXTURES[size];
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  for (const dir of [process.env.LORA_SHARED_FIXTURES, join(root, '..', 'shared', 'fixtures')]) {
    const file = dir && join(dir, 'qwen2.5-instruct', name);
    if (file && existsSync(file)) return { config: JSON.parse(readFileSync(file, 'utf8')), source: file };
  }
  return { config: inlined, source: `inlined Qwen2.5-${size.toUpperCase()}-Instruct values` };
}

/** Seeded uniform weights of std 0.02 (xorshift32), norms at 1, for every tensor the config's checkpoint holds. */
export function generatedWeights(
  config: ReturnType<typeof parseModelConfig>,
): (name: string) => Float32Array | undefined {
  const specs = new Map(tensorSpecs(config).map((s) => [s.name, s]));
  let state = 0x9e3779b9;
  const half = 0.02 * Math.sqrt(3);
  return (name) => {
    const spec = specs.get(name);
    if (!spec) return undefined;
    const out = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.role === 'norm' && spec.kind === 'weight') return out.fill(1);
    for (let i = 0; i < out.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      out[i] = ((state >>> 0) / 4294967296 - 0.5) * 2 * half;
    }
    return out;
  };
}

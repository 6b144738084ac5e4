// Float64 helpers for gradient checks: layers allocate like their inputs, so Float64Array data flows end to end.
import { asKernelArray } from '@lora/core';
import { makeRng } from '@lora/testing';
import { tensorSpecs } from './architectures.js';
import { CausalLM } from './causal-lm.js';
import { type Architecture, parseModelConfig } from './config.js';

export const f64 = (n: number, seed: number, scale = 1): Float32Array => {
  const rng = makeRng(seed);
  return asKernelArray(Float64Array.from({ length: n }, () => rng.normal() * scale));
};

/** The Float64Array behind a Float32Array-typed buffer created by f64() or alloc(). */
export const asF64 = (a: Float32Array): Float64Array => a as unknown as Float64Array;

export const ctx = { training: false };

const MICRO: Record<Architecture, Record<string, unknown>> = {
  llama: {
    model_type: 'llama',
    hidden_size: 8,
    intermediate_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    vocab_size: 11,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: false,
    attention_bias: true,
    mlp_bias: true,
    rope_scaling: {
      rope_type: 'llama3',
      factor: 4,
      low_freq_factor: 1,
      high_freq_factor: 2,
      original_max_position_embeddings: 8,
    },
  },
  qwen2: {
    model_type: 'qwen2',
    hidden_size: 8,
    intermediate_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    vocab_size: 11,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000,
    tie_word_embeddings: true,
  },
  gpt2: {
    model_type: 'gpt2',
    n_embd: 8,
    n_head: 2,
    n_layer: 2,
    n_positions: 16,
    vocab_size: 11,
    n_inner: 12,
  },
  gemma: {
    model_type: 'gemma',
    hidden_size: 8,
    intermediate_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    head_dim: 6,
    vocab_size: 11,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
  },
};

/** A micro model (hidden 8, 2 layers, vocab 11) whose weights are Float64Array: float64 end to end for gradchecks. */
export function microModel(architecture: Architecture, seed = 1, precision: 'f64' | 'f32' = 'f64'): CausalLM {
  const config = parseModelConfig(MICRO[architecture], `micro ${architecture}`);
  const weights = new Map<string, Float32Array>();
  tensorSpecs(config).forEach((spec, i) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const scale = spec.role === 'linear' && spec.kind === 'weight' ? 0.6 : 0.4;
    const data = f64(n, seed * 1000 + i, scale);
    if (spec.role === 'norm' && spec.kind === 'weight' && architecture !== 'gemma')
      for (let j = 0; j < n; j++) data[j]! += 1;
    weights.set(spec.name, precision === 'f64' ? data : Float32Array.from(data));
  });
  return CausalLM.fromWeights(config, (name) => weights.get(name));
}

export const ARCHS = ['llama', 'qwen2', 'gpt2', 'gemma'] as const;

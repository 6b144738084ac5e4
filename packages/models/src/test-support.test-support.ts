// Float64 helpers for gradient checks: layers allocate like their inputs, so Float64Array data flows end to end.
// The tests run on the host backends, where a device array is its typed array: `host` and `hostF64` say so.
import {
  asKernelArray,
  type DeviceArray,
  type DeviceCounters,
  type DeviceMemory,
  type F32,
  type I32,
  isHostArray,
  type StepOptions,
  type TokenBatch,
  type U8,
} from '@lora/core';
import { makeRng } from '@lora/testing';
import { modelNames, tensorSpecs } from './architectures/index.js';
import type { BatchLayout } from './attention.js';
import { batchLayout, placeLayout } from './batch.js';
import { CausalLM, STEP_STATS } from './causal-lm.js';
import { type Architecture, parseModelConfig } from './config.js';

export const f64 = (n: number, seed: number, scale = 1): Float32Array => {
  const rng = makeRng(seed);
  return asKernelArray(Float64Array.from({ length: n }, () => rng.normal() * scale));
};

/** The Float64Array behind a buffer created by f64() or allocated like one (throws for anything else). */
export const asF64 = (a: F32): Float64Array => hostF64(a);

export const ctx = { training: false };

/** A host device array as the typed array it is (throws for a GPU buffer view: these tests run on the host). */
export function host(a: F32): Float32Array {
  if (!isHostArray(a)) throw new Error(`host: expected a host array, got ${a[Symbol.toStringTag]}`);
  return a as Float32Array;
}

/** The Float64Array of a float64 gradient check's device array. */
export function hostF64(a: F32): Float64Array {
  if (!(a instanceof Float64Array))
    throw new Error(`hostF64: expected a Float64Array, got ${a[Symbol.toStringTag]}`);
  return a;
}

/** A host I32 as its Int32Array. */
export function hostI32(a: I32): Int32Array {
  if (!(a instanceof Int32Array))
    throw new Error(`hostI32: expected an Int32Array, got ${a[Symbol.toStringTag]}`);
  return a;
}

/** batchLayout with its index arrays "uploaded" to the host memory (the typed arrays themselves). */
export function hostLayout(
  batch: number,
  seqLen: number,
  mask: Uint8Array | undefined,
  positionIds?: Int32Array,
): BatchLayout {
  return placeLayout(batchLayout(batch, seqLen, mask, positionIds), (_key, data) => data);
}

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
  mistral: {
    model_type: 'mistral',
    hidden_size: 8,
    intermediate_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    vocab_size: 11,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    sliding_window: 2, // shorter than the test sequences: keys leave the window
  },
  phi3: {
    model_type: 'phi3',
    hidden_size: 8,
    intermediate_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    vocab_size: 11,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    sliding_window: 3,
  },
  gemma2: {
    model_type: 'gemma2',
    hidden_size: 8,
    intermediate_size: 12,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    head_dim: 6,
    vocab_size: 11,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    query_pre_attn_scalar: 5,
    sliding_window: 2, // layer 0 slides, shorter than the test sequences; layer 1 attends to every key
    attn_logit_softcapping: 1.5, // small caps: tanh bends on the micro model's scores and logits
    final_logit_softcapping: 2,
  },
};

/**
 * A micro model (hidden 8, 2 layers, vocab 11) whose weights are Float64Array: float64 end to end for gradchecks.
 * `overrides` change its config.json (e.g. vocab_size, tie_word_embeddings).
 */
export function microModel(
  architecture: Architecture,
  seed = 1,
  precision: 'f64' | 'f32' = 'f64',
  overrides: Record<string, unknown> = {},
): CausalLM {
  const config = parseModelConfig({ ...MICRO[architecture], ...overrides }, `micro ${architecture}`);
  const weights = new Map<string, Float32Array>();
  tensorSpecs(config).forEach((spec, i) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const scale = spec.role === 'linear' && spec.kind === 'weight' ? 0.6 : 0.4;
    const data = f64(n, seed * 1000 + i, scale);
    if (spec.role === 'norm' && spec.kind === 'weight' && modelNames(config).normKind !== 'rms1p')
      for (let j = 0; j < n; j++) data[j]! += 1;
    weights.set(spec.name, precision === 'f64' ? data : Float32Array.from(data));
  });
  return CausalLM.fromWeights(config, (name) => weights.get(name));
}

export const ARCHS = ['llama', 'qwen2', 'gpt2', 'gemma', 'mistral', 'phi3', 'gemma2'] as const;

/**
 * A step's [Σ token loss, tokens, correct] in float64, synchronously: stepInto on the host with Float64Array stats
 * (step() reads its totals back as float32, too coarse for finite differences).
 */
export function stepStats64(model: CausalLM, batch: TokenBatch, options: StepOptions): Float64Array {
  const stats = new Float64Array(STEP_STATS);
  model.stepInto(batch, options, stats);
  return stats;
}

/**
 * A DeviceMemory carving typed arrays out of one slab (as a wasm heap does), recording what it allocates, uploads,
 * writes and frees. `host: false` makes it pose as a device memory whose arrays happen to be typed arrays, so the
 * upload-and-write paths run on the CPU.
 */
export class SlabMemory implements DeviceMemory {
  readonly name = 'slab';
  readonly slab: ArrayBuffer;
  readonly allocated: DeviceArray[] = [];
  readonly freed: DeviceArray[] = [];
  writes = 0;
  #next = 0;

  constructor(
    readonly host = true,
    bytes = 1 << 22,
  ) {
    this.slab = new ArrayBuffer(bytes);
  }

  #carve<T extends Float32Array | Int32Array | Uint8Array>(make: (at: number) => T, bytes: number): T {
    const at = this.#next;
    this.#next += Math.ceil(bytes / 64) * 64;
    if (this.#next > this.slab.byteLength)
      throw new Error(`SlabMemory: out of memory at ${this.#next} bytes`);
    const a = make(at);
    this.allocated.push(a);
    return a;
  }

  f32(n: number): F32 {
    return this.#carve((at) => new Float32Array(this.slab, at, n), n * 4);
  }
  i32(n: number): I32 {
    return this.#carve((at) => new Int32Array(this.slab, at, n), n * 4);
  }
  u8(n: number): U8 {
    return this.#carve((at) => new Uint8Array(this.slab, at, n), n);
  }
  upload(data: Float32Array): F32;
  upload(data: Int32Array): I32;
  upload(data: Uint8Array): U8;
  upload(data: Float32Array | Int32Array | Uint8Array): DeviceArray {
    const Type = data.constructor as Float32ArrayConstructor;
    const a = this.#carve((at) => new Type(this.slab, at, data.length), data.byteLength);
    a.set(data as Float32Array);
    return a;
  }
  write(dst: F32, data: Float32Array): void;
  write(dst: I32, data: Int32Array): void;
  write(dst: U8, data: Uint8Array): void;
  write(dst: DeviceArray, data: Float32Array | Int32Array | Uint8Array): void {
    this.writes++;
    (dst as Float32Array).set(data as Float32Array);
  }
  read(src: F32): Promise<Float32Array>;
  read(src: I32): Promise<Int32Array>;
  read(src: U8): Promise<Uint8Array>;
  read(src: DeviceArray): Promise<Float32Array | Int32Array | Uint8Array> {
    return Promise.resolve((src as Float32Array).slice());
  }
  free(array: DeviceArray): void {
    this.freed.push(array);
  }
  sync(): Promise<void> {
    return Promise.resolve();
  }
  counters(): DeviceCounters {
    return { uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, dispatches: 0 };
  }
  /** whether `a` lies in the slab */
  owns(a: DeviceArray): boolean {
    return ArrayBuffer.isView(a) && a.buffer === this.slab;
  }
}

// Turning state-dict tensors into the model's weights: shape checks, Conv1D transposes, optional 4-bit quantization.
import type { DeviceMemory } from '@lora/core';
import { type QuantizedTensor, quantize4bit, type StorageDtype } from '@lora/quant-nf4';
import type { TensorSpec } from './architectures/index.js';
import { ModelLoadError } from './errors.js';

/** A weight in the model's layout: dense (linear weights (out, in)) or 4-bit. */
export type PreparedWeight = Float32Array | QuantizedTensor;

export function isQuantized(w: PreparedWeight): w is QuantizedTensor {
  return !ArrayBuffer.isView(w);
}

export interface QuantizeOnLoad {
  quantType: 'nf4' | 'fp4';
  doubleQuant: boolean;
  /** 64 by default, as bitsandbytes */
  blocksize?: number;
  /** module names (or substrings of them, as transformers' llm_int8_skip_modules) kept dense */
  skip?: string[];
}

/**
 * Vocabulary rows the fused lm head + loss holds logits for at once, unless LoadOptions.vocabChunk says otherwise.
 * With backward it holds 2 · rows · chunk floats of logits and their gradient (128 MiB at 512 tokens), in tiles of
 * whole rows, each tile reading the whole (V, C) weight twice: the more rows a tile has, the faster its products (at
 * V = 151,936 and 256 tokens, 8192 made tiles of 13 rows and the step 1.6× as long as 32768).
 */
export const DEFAULT_VOCAB_CHUNK = 32768;

export interface LoadOptions {
  /** quantize the dense linears to 4 bits while loading (never the embeddings or lm_head) */
  quantize?: QuantizeOnLoad;
  /**
   * logits the lm head + loss holds at once: rows × vocabChunk, and with backward 2 · rows · vocabChunk for the
   * logits and their gradient, in whole vocabulary rows (default 32768)
   */
  vocabChunk?: number;
  /**
   * A host-addressable memory (`memory.host`, e.g. the wasm backend's `deviceMemory()`) that dense weights kept as
   * they are stored (embeddings, norms, an unquantized linear) are read straight into, so none of them is also on
   * the JS heap; useMemory(memory) later moves the rest and leaves these in place. Default: the JS heap.
   */
  memory?: DeviceMemory;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export const showShape = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Throws ModelLoadError when `data` holds NaN or ±Infinity: a base weight like that only surfaces later as a
 * non-finite loss, far from its cause. One pass, next to the read that produced `data`.
 */
export function checkFiniteWeight(data: ArrayLike<number>, source: string, tensor: string): void {
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i]!)) continue;
    let count = 0;
    for (let j = i; j < data.length; j++) if (!Number.isFinite(data[j]!)) count++;
    throw new ModelLoadError(
      `${source}: tensor "${tensor}": expected finite values, got ${count} non-finite of ${data.length} (first: element ${i} is ${data[i]})`,
    );
  }
}

/** (in, out) → (out, in), or back. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new (data.constructor as Float32ArrayConstructor)(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** The (out, in) shape of a linear weight spec. */
export function linearShape(spec: TensorSpec): [number, number] {
  const [a, b] = spec.shape as [number, number];
  return spec.conv1d ? [b, a] : [a, b];
}

/** Whether the load-time quantization applies to this tensor (linear weights only, minus the skipped modules). */
export function shouldQuantize(spec: TensorSpec, q: QuantizeOnLoad | undefined): q is QuantizeOnLoad {
  if (!q || spec.role !== 'linear' || spec.kind !== 'weight') return false;
  return !(q.skip ?? []).some((s) => spec.module!.includes(s));
}

/**
 * A dense stored tensor in the model's layout: checked against the spec's element count and for non-finite values,
 * transposed when Conv1D, and quantized when asked.
 */
export function prepareDense(
  spec: TensorSpec,
  data: Float32Array,
  source: string,
  quantize: QuantizeOnLoad | undefined,
  dtype: StorageDtype = 'float32',
): PreparedWeight {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) {
    throw new ModelLoadError(
      `${source}: tensor "${spec.name}" expected ${n} values for shape ${showShape(spec.shape)}, got ${data.length}`,
    );
  }
  checkFiniteWeight(data, source, spec.name);
  const dense = spec.conv1d ? transpose2d(data, spec.shape[0]!, spec.shape[1]!) : data;
  if (!shouldQuantize(spec, quantize)) return dense;
  const shape = linearShape(spec);
  return quantize4bit(dense, shape, {
    quantType: quantize.quantType,
    doubleQuant: quantize.doubleQuant,
    blocksize: quantize.blocksize,
    dtype,
    name: spec.name,
  });
}

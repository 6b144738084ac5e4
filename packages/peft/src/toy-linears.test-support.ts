// Test support: a dense linear (torch.nn.Linear) and a 4-bit NF4 linear (bitsandbytes Linear4bit, dequantize then
// matmul) implementing @lora/core's LinearModule, so LoRA is tested on both kinds of base without @lora/models.
// The dense one computes with kernels only (any memory); the 4-bit one dequantizes on the host.
import {
  allocLike,
  asKernelArray,
  counterHash,
  type F32,
  type ForwardContext,
  kernel,
  type LinearCache,
  type LinearModule,
  type Parameter,
} from '@lora/core';
import { dequantize4bit, type QuantizedTensor, quantize4bit } from '@lora/quant-nf4';
import { gradOf } from './buffers.js';

function param(name: string, shape: number[], data: F32, decay: boolean): Parameter {
  return { name, shape, data, grad: undefined, trainable: false, decay };
}

/** A fresh copy of `a` in its memory (and element type). */
function copyOf(a: F32): F32 {
  const copy = allocLike(a, a.length);
  kernel('stridedCopy')({
    src: a,
    dst: copy,
    counts: [1, 1, 1],
    inner: a.length,
    srcStrides: [0, 0, 0],
    dstStrides: [0, 0, 0],
  });
  return copy;
}

/** y = x·Wᵀ + b with W (out, in); parameters named `${name}.weight` / `${name}.bias`, frozen until marked. */
export class ToyLinear implements LinearModule {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    weight: F32,
    bias?: F32,
  ) {
    this.weight = param(`${name}.weight`, [outFeatures, inFeatures], weight, true);
    this.bias = bias ? param(`${name}.bias`, [outFeatures], bias, false) : undefined;
  }

  forward(x: F32, rows: number, _ctx: ForwardContext, out?: F32): { out: F32; cache: LinearCache } {
    const y = out ?? allocLike(x, rows * this.outFeatures); // (T, out)
    kernel('matmul')({
      a: x,
      b: this.weight.data,
      out: y,
      m: rows,
      n: this.outFeatures,
      k: this.inFeatures,
      transB: true,
    });
    if (this.bias) kernel('addBias')({ x: y, bias: this.bias.data, rows, cols: this.outFeatures });
    return { out: y, cache: { x, rows } };
  }

  backward(dy: F32, cache: LinearCache, dxAccumulate?: F32): F32 {
    const { x, rows } = cache;
    const dx = dxAccumulate ?? allocLike(dy, rows * this.inFeatures); // (T, in)
    const matmul = kernel('matmul');
    matmul({
      a: dy,
      b: this.weight.data,
      out: dx,
      m: rows,
      n: this.inFeatures,
      k: this.outFeatures,
      accumulate: dxAccumulate !== undefined,
    });
    if (this.weight.trainable) {
      matmul({
        a: dy,
        b: x,
        out: gradOf(this.weight),
        m: this.outFeatures,
        n: this.inFeatures,
        k: rows,
        transA: true,
        accumulate: true,
      });
    }
    if (this.bias?.trainable)
      kernel('columnSums')({ x: dy, outAccumulate: gradOf(this.bias), rows, cols: this.outFeatures });
    return dx;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  denseWeight(): { weight: F32; bias: F32 | undefined } {
    return { weight: copyOf(this.weight.data), bias: this.bias ? copyOf(this.bias.data) : undefined };
  }
}

/** A frozen NF4 weight (bitsandbytes layout, blocksize 32) with an optional dense bias; host memory only. */
export class Toy4bitLinear implements LinearModule {
  readonly quantType = 'nf4';
  readonly quantized: QuantizedTensor;
  readonly bias: Parameter | undefined;

  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    weight: Float32Array,
    bias?: F32,
  ) {
    this.quantized = quantize4bit(weight, [outFeatures, inFeatures], { blocksize: 32 });
    this.bias = bias ? param(`${name}.bias`, [outFeatures], bias, false) : undefined;
  }

  /** The dequantized weight (out, in) in the element type of `like` (float64 in gradient checks). */
  #weight(like: F32): F32 {
    const w = dequantize4bit(this.quantized);
    return hostValues(like) instanceof Float64Array ? Float64Array.from(w) : w;
  }

  forward(x: F32, rows: number, _ctx: ForwardContext, out?: F32): { out: F32; cache: LinearCache } {
    const y = out ?? allocLike(x, rows * this.outFeatures); // (T, out)
    kernel('matmul')({
      a: x,
      b: this.#weight(x),
      out: y,
      m: rows,
      n: this.outFeatures,
      k: this.inFeatures,
      transB: true,
    });
    if (this.bias) kernel('addBias')({ x: y, bias: this.bias.data, rows, cols: this.outFeatures });
    return { out: y, cache: { x, rows } };
  }

  backward(dy: F32, cache: LinearCache, dxAccumulate?: F32): F32 {
    const dx = dxAccumulate ?? allocLike(dy, cache.rows * this.inFeatures); // (T, in)
    kernel('matmul')({
      a: dy,
      b: this.#weight(dy),
      out: dx,
      m: cache.rows,
      n: this.inFeatures,
      k: this.outFeatures,
      accumulate: dxAccumulate !== undefined,
    });
    if (this.bias?.trainable)
      kernel('columnSums')({
        x: dy,
        outAccumulate: gradOf(this.bias),
        rows: cache.rows,
        cols: this.outFeatures,
      });
    return dx;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.bias] : [];
  }

  denseWeight(): { weight: F32; bias: F32 | undefined } {
    return { weight: dequantize4bit(this.quantized), bias: this.bias ? copyOf(this.bias.data) : undefined };
  }
}

/** Seeded weights in [-0.5, 0.5). */
export function randomWeights(n: number, rng: () => number, scale = 1): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = (rng() - 0.5) * scale;
  return w;
}

/**
 * An F32 as the host array it is on the host backends — the Float32Array, or the Float64Array of a float64
 * gradient check — for test code that serves both; throws on a device array (use hostF32 / hostF64 where the
 * element type is known).
 */
export function hostValues(a: F32): Float32Array | Float64Array {
  if (a instanceof Float32Array || a instanceof Float64Array) return a;
  throw new Error(`expected a host Float32Array or Float64Array, got a ${a[Symbol.toStringTag]}`);
}

/** A float64 copy of host values (for float64 gradient checks through the reference kernels). */
export function f64(values: F32 | readonly number[]): Float64Array {
  return Float64Array.from(Array.isArray(values) ? (values as readonly number[]) : hostValues(values as F32));
}

/** The host array under the Float32Array type host-only code (DoRA's helpers) takes; float64 passes through as asKernelArray lets it. */
export function hostKernelArray(a: F32): Float32Array {
  const v = hostValues(a);
  return v instanceof Float64Array ? asKernelArray(v) : v;
}

/** Puts a parameter in float64 for a gradient check: its values copied, its gradient (if any) a zeroed Float64Array. */
export function toF64(p: Parameter): void {
  p.data = f64(p.data);
  if (p.grad) p.grad = new Float64Array(p.data.length);
}

/**
 * LoRA's dropout written out from its definition, independently of the layer and the kernel: one forward draws one
 * seed ⌊u · 2³²⌋ from `rng`, element i is kept when counterHash(seed, i) ≥ ⌊p · 2³²⌋, and a kept element is scaled by
 * float32(1 / (1 − p)) (core's DropoutArgs). Returns x_d in x's element type.
 */
export function droppedInput(
  x: Float32Array | Float64Array,
  p: number,
  rng: () => number,
): Float32Array | Float64Array {
  const seed = Math.floor(rng() * 2 ** 32);
  const threshold = Math.floor(p * 2 ** 32);
  const scale = Math.fround(1 / (1 - p));
  const out = hostValues(allocLike(x, x.length));
  for (let i = 0; i < x.length; i++) out[i] = counterHash(seed, i) >= threshold ? x[i]! * scale : 0;
  return out;
}

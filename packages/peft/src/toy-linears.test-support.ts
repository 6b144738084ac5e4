// Test support: a dense linear (torch.nn.Linear) and a 4-bit NF4 linear (bitsandbytes Linear4bit, dequantize then
// matmul) implementing @lora/core's LinearModule, so LoRA is tested on both kinds of base without @lora/models.
import { type ForwardContext, kernel, type LinearCache, type LinearModule, type Parameter } from '@lora/core';
import { dequantize4bit, type QuantizedTensor, quantize4bit } from '@lora/quant-nf4';
import { alloc, gradOf } from './buffers.js';

function param(name: string, shape: number[], data: Float32Array, decay: boolean): Parameter {
  return { name, shape, data, grad: undefined, trainable: false, decay };
}

function addBias(y: Float32Array, bias: Float32Array, rows: number, cols: number): void {
  for (let t = 0; t < rows; t++) for (let j = 0; j < cols; j++) y[t * cols + j]! += bias[j]!;
}

function accumulateBias(grad: Float32Array, dy: Float32Array, rows: number, cols: number): void {
  for (let t = 0; t < rows; t++) for (let j = 0; j < cols; j++) grad[j]! += dy[t * cols + j]!;
}

/** y = x·Wᵀ + b with W (out, in); parameters named `${name}.weight` / `${name}.bias`, frozen until marked. */
export class ToyLinear implements LinearModule {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    weight: Float32Array,
    bias?: Float32Array,
  ) {
    this.weight = param(`${name}.weight`, [outFeatures, inFeatures], weight, true);
    this.bias = bias ? param(`${name}.bias`, [outFeatures], bias, false) : undefined;
  }

  forward(
    x: Float32Array,
    rows: number,
    _ctx: ForwardContext,
    out?: Float32Array,
  ): { out: Float32Array; cache: LinearCache } {
    const y = out ?? alloc(x, rows * this.outFeatures);
    kernel('matmul')({
      a: x,
      b: this.weight.data,
      out: y,
      m: rows,
      n: this.outFeatures,
      k: this.inFeatures,
      transB: true,
    });
    if (this.bias) addBias(y, this.bias.data, rows, this.outFeatures);
    return { out: y, cache: { x, rows } };
  }

  backward(dy: Float32Array, cache: LinearCache, dxAccumulate?: Float32Array): Float32Array {
    const { x, rows } = cache;
    const dx = dxAccumulate ?? alloc(dy, rows * this.inFeatures);
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
    if (this.bias?.trainable) accumulateBias(gradOf(this.bias), dy, rows, this.outFeatures);
    return dx;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  denseWeight(): { weight: Float32Array; bias: Float32Array | undefined } {
    return { weight: this.weight.data.slice(), bias: this.bias?.data.slice() };
  }
}

/** A frozen NF4 weight (bitsandbytes layout, blocksize 32) with an optional dense bias. */
export class Toy4bitLinear implements LinearModule {
  readonly quantType = 'nf4';
  readonly quantized: QuantizedTensor;
  readonly bias: Parameter | undefined;

  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    weight: Float32Array,
    bias?: Float32Array,
  ) {
    this.quantized = quantize4bit(weight, [outFeatures, inFeatures], { blocksize: 32 });
    this.bias = bias ? param(`${name}.bias`, [outFeatures], bias, false) : undefined;
  }

  #weight(like: Float32Array): Float32Array {
    const w = dequantize4bit(this.quantized);
    return like instanceof Float32Array ? w : (Float64Array.from(w) as unknown as Float32Array);
  }

  forward(
    x: Float32Array,
    rows: number,
    _ctx: ForwardContext,
    out?: Float32Array,
  ): { out: Float32Array; cache: LinearCache } {
    const y = out ?? alloc(x, rows * this.outFeatures);
    kernel('matmul')({
      a: x,
      b: this.#weight(x),
      out: y,
      m: rows,
      n: this.outFeatures,
      k: this.inFeatures,
      transB: true,
    });
    if (this.bias) addBias(y, this.bias.data, rows, this.outFeatures);
    return { out: y, cache: { x, rows } };
  }

  backward(dy: Float32Array, cache: LinearCache, dxAccumulate?: Float32Array): Float32Array {
    const dx = dxAccumulate ?? alloc(dy, cache.rows * this.inFeatures);
    const w = this.#weight(dy);
    kernel('matmul')({
      a: dy,
      b: w,
      out: dx,
      m: cache.rows,
      n: this.inFeatures,
      k: this.outFeatures,
      accumulate: dxAccumulate !== undefined,
    });
    if (this.bias?.trainable) accumulateBias(gradOf(this.bias), dy, cache.rows, this.outFeatures);
    return dx;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.bias] : [];
  }

  denseWeight(): { weight: Float32Array; bias: Float32Array | undefined } {
    return { weight: dequantize4bit(this.quantized), bias: this.bias?.data.slice() };
  }
}

/** Seeded weights in [-0.5, 0.5). */
export function randomWeights(n: number, rng: () => number, scale = 1): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = (rng() - 0.5) * scale;
  return w;
}

/** A Float32Array as Float64Array under the Float32Array type (for float64 gradient checks through the kernels). */
export function f64(values: ArrayLike<number>): Float32Array {
  return Float64Array.from(values) as unknown as Float32Array;
}

// A frozen 4-bit linear layer (bitsandbytes nn.Linear4bit): y = x · dequant(W)ᵀ + b, input gradient only.
import { kernel, type ForwardContext, type LinearCache, type LinearModule, type Parameter } from '@lora/core';
import { QuantizationError, type QuantizedTensor, dequantize4bit, elementCount } from './quantize.js';

/**
 * One scratch (out, in) buffer shared by every Nf4Linear: kernels are synchronous, so a layer dequantizes into it
 * right before its matmul and nothing else reads it in between. It grows to the largest layer and is never a
 * per-layer dense copy, so a 4-bit model stays 4-bit in memory.
 */
let scratch = new Float32Array(0);

function dequantizeToScratch(q: QuantizedTensor): Float32Array {
  const n = elementCount(q);
  if (scratch.length < n) scratch = new Float32Array(n);
  return dequantize4bit(q, scratch.subarray(0, n)); // (out, in)
}

export interface Nf4LinearOptions {
  /** Hugging Face module name, e.g. "model.layers.0.self_attn.q_proj"; parameters are named `${name}.bias` */
  name: string;
  /** the 4-bit weight, shape [out, in] */
  weight: QuantizedTensor;
  /** (out) optional bias, kept in f32 */
  bias?: Float32Array;
}

/** A frozen NF4/FP4 base linear. Its bias (if any) is the only Parameter; the 4-bit weight is never trained. */
export class Nf4Linear implements LinearModule {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** the quantized weight as bitsandbytes stores it */
  readonly weight: QuantizedTensor;
  readonly bias: Parameter | undefined;

  constructor(options: Nf4LinearOptions) {
    const { name, weight, bias } = options;
    const [outFeatures, inFeatures, ...rest] = weight.shape;
    if (outFeatures === undefined || inFeatures === undefined || rest.length > 0) {
      throw new QuantizationError(
        `Nf4Linear ${name}: weight shape expected [out, in], got [${weight.shape.join(', ')}]`,
      );
    }
    if (bias && bias.length !== outFeatures) {
      throw new QuantizationError(
        `Nf4Linear ${name}: bias expected ${outFeatures} values, got ${bias.length}`,
      );
    }
    this.name = name;
    this.weight = weight;
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.bias = bias
      ? {
          name: `${name}.bias`,
          shape: [outFeatures],
          data: bias,
          grad: undefined,
          trainable: false,
          decay: false,
        }
      : undefined;
  }

  forward(
    x: Float32Array,
    rows: number,
    _ctx: ForwardContext,
    out?: Float32Array,
  ): { out: Float32Array; cache: LinearCache } {
    const y = out ?? new Float32Array(rows * this.outFeatures); // (T, out)
    const w = dequantizeToScratch(this.weight); // (out, in)
    kernel('matmul')({ a: x, b: w, out: y, m: rows, n: this.outFeatures, k: this.inFeatures, transB: true });
    const b = this.bias?.data;
    if (b) {
      for (let r = 0; r < rows; r++) {
        const base = r * this.outFeatures;
        for (let j = 0; j < this.outFeatures; j++) y[base + j]! += b[j]!;
      }
    }
    return { out: y, cache: { x, rows } };
  }

  /** dx (T, in) = dy (T, out) · W; the bias gradient when the bias was made trainable. */
  backward(dy: Float32Array, cache: LinearCache, dxAccumulate?: Float32Array): Float32Array {
    const { rows } = cache;
    const dx = dxAccumulate ?? new Float32Array(rows * this.inFeatures); // (T, in)
    const w = dequantizeToScratch(this.weight); // (out, in)
    kernel('matmul')({
      a: dy,
      b: w,
      out: dx,
      m: rows,
      n: this.inFeatures,
      k: this.outFeatures,
      accumulate: dxAccumulate !== undefined,
    });
    const bias = this.bias;
    if (bias?.trainable) {
      bias.grad ??= new Float32Array(this.outFeatures);
      const sums = new Float64Array(this.outFeatures); // (out) column sums of dy, added once
      for (let r = 0; r < rows; r++) {
        const base = r * this.outFeatures;
        for (let j = 0; j < this.outFeatures; j++) sums[j]! += dy[base + j]!;
      }
      for (let j = 0; j < this.outFeatures; j++) bias.grad[j]! += sums[j]!;
    }
    return dx;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.bias] : [];
  }

  /** The dequantized weight (out, in) and a copy of the bias. */
  denseWeight(): { weight: Float32Array; bias: Float32Array | undefined } {
    return {
      weight: dequantize4bit(this.weight),
      bias: this.bias ? Float32Array.from(this.bias.data) : undefined,
    };
  }
}

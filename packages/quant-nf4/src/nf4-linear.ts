// A frozen 4-bit linear layer (bitsandbytes nn.Linear4bit): y = x · dequant(W)ᵀ + b, input gradient only.
import { type ForwardContext, kernel, type LinearCache, type LinearModule, type Parameter } from '@lora/core';
import { blockCount } from './blockwise.js';
import {
  dequantize4bit,
  elementCount,
  QuantizationError,
  type QuantizedTensor,
  resolveAbsmax,
} from './quantize.js';

/**
 * The weight operands of kernel('nf4Matmul'). A plain absmax is used as stored; a double-quantized one is restored
 * on each call (N·K/blocksize values, small beside the matmul), so a 4-bit model stays 4-bit in memory and no
 * dense (out, in) copy of the weight ever exists.
 */
function weightOperands(q: QuantizedTensor): {
  packed: Uint8Array;
  absmax: Float32Array;
  code: Float32Array;
  blocksize: number;
} {
  return { packed: q.packed, absmax: resolveAbsmax(q), code: q.code, blocksize: q.blocksize };
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
    const blocks = blockCount(elementCount(weight), weight.blocksize);
    const stored = weight.absmax?.length ?? weight.nested?.qabsmax.length;
    if (stored !== blocks) {
      throw new QuantizationError(
        `Nf4Linear ${name}: absmax expected ${blocks} blocks, got ${stored ?? 'none'}`,
      );
    }
    if (weight.packed.length < Math.ceil(elementCount(weight) / 2)) {
      throw new QuantizationError(
        `Nf4Linear ${name}: packed expected ${Math.ceil(elementCount(weight) / 2)} bytes, got ${weight.packed.length}`,
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
    kernel('nf4Matmul')({
      ...weightOperands(this.weight), // W (out, in)
      x, // (T, in)
      out: y,
      m: rows,
      n: this.outFeatures,
      k: this.inFeatures,
      mode: 'forward',
    });
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
    kernel('nf4Matmul')({
      ...weightOperands(this.weight), // W (out, in)
      x: dy, // (T, out)
      out: dx,
      m: rows,
      n: this.outFeatures,
      k: this.inFeatures,
      mode: 'inputGrad',
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

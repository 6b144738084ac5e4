// A dense linear layer (torch.nn.Linear; llm.c matmul_forward / matmul_backward): y = x · Wᵀ + b.
import {
  allocLike,
  type F32,
  type ForwardContext,
  kernel,
  type LinearCache,
  type LinearModule,
  type Parameter,
} from '@lora/core';
import { ModelLoadError } from './errors.js';
import { copyOf } from './buffers.js';
import { gradOf, makeParameter } from './parameter.js';

/** Options of `DenseLinear`: the module name, its shape, the weight and an optional bias. */
export interface DenseLinearOptions {
  /** Hugging Face module name, e.g. "model.layers.0.self_attn.q_proj"; parameters are `${name}.weight` / `.bias` */
  name: string;
  inFeatures: number;
  outFeatures: number;
  /** (out, in) row-major, used as given (not copied) */
  weight: F32;
  /** (out) */
  bias?: F32;
}

export class DenseLinear implements LinearModule {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  constructor(options: DenseLinearOptions) {
    const { name, inFeatures, outFeatures, weight, bias } = options;
    if (weight.length !== inFeatures * outFeatures) {
      throw new ModelLoadError(
        `DenseLinear ${name}: weight expected ${outFeatures}×${inFeatures} values, got ${weight.length}`,
      );
    }
    if (bias && bias.length !== outFeatures) {
      throw new ModelLoadError(
        `DenseLinear ${name}: bias expected ${outFeatures} values, got ${bias.length}`,
      );
    }
    this.name = name;
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = makeParameter(`${name}.weight`, [outFeatures, inFeatures], weight, true);
    this.bias = bias ? makeParameter(`${name}.bias`, [outFeatures], bias, false) : undefined;
  }

  /** y (T, out) = x (T, in) · Wᵀ + b: matmul NT. */
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

  /** dx = dy · W (NN); when trainable dW += dyᵀ · x (TN) and db += colsum(dy). */
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
      // (out, in) += (T, out)ᵀ · (T, in)
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
      kernel('columnSums')({ x: dy, outAccumulate: gradOf(this.bias), rows, cols: this.outFeatures }); // (out)
    return dx;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  denseWeight(): { weight: F32; bias: F32 | undefined } {
    return { weight: copyOf(this.weight.data), bias: this.bias ? copyOf(this.bias.data) : undefined };
  }
}

// Normalisation layers (LlamaRMSNorm, GemmaRMSNorm with 1 + w, torch.nn.LayerNorm) with forward and backward.
import { kernel, type Parameter } from '@lora/core';
import { alloc } from './buffers.js';
import { gradOf } from './parameter.js';

export type NormKind = 'rms' | 'rms1p' | 'layer';

export interface NormCache {
  /** (T, C) input */
  x: Float32Array;
  rows: number;
  /** (T) */
  rstd: Float32Array;
  /** (T), LayerNorm only */
  mean?: Float32Array;
}

export class Norm {
  constructor(
    readonly kind: NormKind,
    readonly weight: Parameter,
    readonly eps: number,
    readonly bias?: Parameter,
  ) {}

  get dim(): number {
    return this.weight.data.length;
  }

  forward(x: Float32Array, rows: number): { out: Float32Array; cache: NormCache } {
    const cols = this.dim;
    const out = alloc(x, rows * cols); // (T, C)
    const rstd = alloc(x, rows); // (T)
    const weight = this.weight.data;
    if (this.kind === 'layer') {
      const mean = alloc(x, rows); // (T)
      kernel('layernorm')({ x, weight, bias: this.bias!.data, out, mean, rstd, rows, cols, eps: this.eps });
      return { out, cache: { x, rows, rstd, mean } };
    }
    const weightOffset = this.kind === 'rms1p' ? 1 : 0;
    kernel('rmsnorm')({ x, weight, out, rstd, rows, cols, eps: this.eps, weightOffset });
    return { out, cache: { x, rows, rstd } };
  }

  /** dx (T, C); accumulates into the weight (and bias) gradient when trainable. */
  backward(dout: Float32Array, cache: NormCache): Float32Array {
    const { x, rows, rstd, mean } = cache;
    const cols = this.dim;
    const dx = alloc(dout, rows * cols); // (T, C)
    const weight = this.weight.data;
    const dweightAccumulate = this.weight.trainable ? gradOf(this.weight) : undefined;
    if (this.kind === 'layer') {
      const dbiasAccumulate = this.bias?.trainable ? gradOf(this.bias) : undefined;
      kernel('layernormBackward')({
        dout,
        x,
        weight,
        mean: mean!,
        rstd,
        dx,
        dweightAccumulate,
        dbiasAccumulate,
        rows,
        cols,
      });
    } else {
      const weightOffset = this.kind === 'rms1p' ? 1 : 0;
      kernel('rmsnormBackward')({ dout, x, weight, rstd, dx, dweightAccumulate, rows, cols, weightOffset });
    }
    return dx;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
}

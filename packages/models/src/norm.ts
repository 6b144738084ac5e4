// Normalisation layers (LlamaRMSNorm, GemmaRMSNorm with 1 + w, torch.nn.LayerNorm) with forward and backward.
import { type F32, kernel, type Parameter } from '@lora/core';
import { gradOf } from './parameter.js';
import { buffer, type Workspace } from './workspace.js';

export type NormKind = 'rms' | 'rms1p' | 'layer';

export interface NormCache {
  /** (T, C) input */
  x: F32;
  rows: number;
  /** (T) */
  rstd: F32;
  /** (T), LayerNorm only */
  mean?: F32;
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

  /** With a workspace, `out` and the cache live in its buffers "out", "rstd" (and "mean"). */
  forward(x: F32, rows: number, ws?: Workspace): { out: F32; cache: NormCache } {
    const cols = this.dim;
    const out = buffer(ws, 'out', x, rows * cols); // (T, C)
    const rstd = buffer(ws, 'rstd', x, rows); // (T)
    const weight = this.weight.data;
    if (this.kind === 'layer') {
      const mean = buffer(ws, 'mean', x, rows); // (T)
      kernel('layernorm')({ x, weight, bias: this.bias!.data, out, mean, rstd, rows, cols, eps: this.eps });
      return { out, cache: { x, rows, rstd, mean } };
    }
    const weightOffset = this.kind === 'rms1p' ? 1 : 0;
    kernel('rmsnorm')({ x, weight, out, rstd, rows, cols, eps: this.eps, weightOffset });
    return { out, cache: { x, rows, rstd } };
  }

  /** dx (T, C) (in the workspace's buffer "dx" when given); accumulates into the weight (and bias) gradient when trainable. */
  backward(dout: F32, cache: NormCache, ws?: Workspace): F32 {
    const { x, rows, rstd, mean } = cache;
    const cols = this.dim;
    const dx = buffer(ws, 'dx', dout, rows * cols); // (T, C)
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

// A frozen dense linear (torch.nn.Linear with requires_grad=False): what mergeAndUnload puts in place of a LoRA
// layer whose base has no dense weight of its own to merge into (a 4-bit base, merged into its dequantized weight).
import { type ForwardContext, kernel, type LinearCache, type LinearModule, type Parameter } from '@lora/core';
import { alloc } from './buffers.js';

export class FrozenLinear implements LinearModule {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  /** `weight` (out, in) and `bias` (out) are used as given; parameters are named `${name}.weight` / `.bias`. */
  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    weight: Float32Array,
    bias?: Float32Array,
  ) {
    this.weight = {
      name: `${name}.weight`,
      shape: [outFeatures, inFeatures],
      data: weight,
      grad: undefined,
      trainable: false,
      decay: true,
    };
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

  /** y (T, out) = x (T, in) · Wᵀ + b */
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
    const b = this.bias?.data;
    if (b) for (let k = 0; k < rows * this.outFeatures; k++) y[k]! += b[k % this.outFeatures]!;
    return { out: y, cache: { x, rows } };
  }

  /** dx (T, in) = dy (T, out) · W; nothing is trained. */
  backward(dy: Float32Array, cache: LinearCache, dxAccumulate?: Float32Array): Float32Array {
    const dx = dxAccumulate ?? alloc(dy, cache.rows * this.inFeatures);
    kernel('matmul')({
      a: dy,
      b: this.weight.data,
      out: dx,
      m: cache.rows,
      n: this.inFeatures,
      k: this.outFeatures,
      accumulate: dxAccumulate !== undefined,
    });
    return dx;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  denseWeight(): { weight: Float32Array; bias: Float32Array | undefined } {
    return { weight: this.weight.data.slice(), bias: this.bias?.data.slice() };
  }
}

// A frozen dense linear (torch.nn.Linear with requires_grad=False): what mergeAndUnload puts in place of a LoRA
// layer whose base has no dense weight of its own to merge into (a 4-bit base, merged into its dequantized weight).
import {
  allocLike,
  type F32,
  type ForwardContext,
  kernel,
  type LinearCache,
  type LinearModule,
  type Parameter,
} from '@lora/core';

export class FrozenLinear implements LinearModule {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;

  /** `weight` (out, in) and `bias` (out) are used as given; parameters are named `${name}.weight` / `.bias`. */
  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    weight: F32,
    bias?: F32,
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

  /** dx (T, in) = dy (T, out) · W; nothing is trained. */
  backward(dy: F32, cache: LinearCache, dxAccumulate?: F32): F32 {
    const dx = dxAccumulate ?? allocLike(dy, cache.rows * this.inFeatures); // (T, in)
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

  denseWeight(): { weight: F32; bias: F32 | undefined } {
    return { weight: copyOf(this.weight.data), bias: this.bias ? copyOf(this.bias.data) : undefined };
  }
}

function copyOf(a: F32): F32 {
  const copy = allocLike(a, a.length);
  kernel('stridedCopy')({ src: a, dst: copy, counts: [1, 1, 1], inner: a.length, srcStrides: [0, 0, 0], dstStrides: [0, 0, 0] });
  return copy;
}

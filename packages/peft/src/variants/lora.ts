// Plain LoRA (Hu et al. 2021; PEFT tuners/lora/layer.py Linear without a variant): y = base(x) + s·h·Bᵀ, merged as
// W ← W + s·BA and unmerged by subtracting it again.
import { type F32, kernel, memoryOf, type Parameter } from '@lora/core';
import type { LoraLinear } from '../lora-linear.js';
import type { LoraVariant, VariantForward, VariantGradient } from './variant.js';

/** Plain LoRA as a LoraVariant: no parameters of its own, y += s·h·Bᵀ, merged as W ± s·BA. */
export class LoraVariantPlain implements LoraVariant<undefined, undefined> {
  readonly name = 'lora';
  readonly magnitude: Parameter | undefined = undefined;

  parameters(): Parameter[] {
    return [];
  }

  init(_layer: LoraLinear): void {}

  forward(layer: LoraLinear, { y, h, rows }: VariantForward): undefined {
    // (T, out) += s · h (T, R) · Bᵀ
    kernel('matmul')({
      a: h,
      b: layer.loraB.data,
      out: y,
      m: rows,
      n: layer.outFeatures,
      k: layer.r,
      transB: true,
      accumulate: true,
      alpha: layer.scaling,
    });
    return undefined;
  }

  backward(_layer: LoraLinear, dy: F32): VariantGradient {
    return { g: dy };
  }

  merge(layer: LoraLinear, weight: F32): undefined {
    const delta = layer.deltaWeight(); // (out, in)
    kernel('add')({ a: weight, b: delta, out: weight, n: weight.length });
    memoryOf(delta).free(delta); // a dense (out, in) temporary
    return undefined;
  }

  unmerge(layer: LoraLinear, weight: F32): void {
    const delta = layer.deltaWeight(); // (out, in)
    kernel('axpy')({ x: delta, y: weight, n: weight.length, alpha: -1 });
    memoryOf(delta).free(delta);
  }
}

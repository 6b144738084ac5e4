// DoRA as a LoRA variant (Liu et al. 2024; PEFT tuners/lora/variants.py DoraLinearVariant): a magnitude m (out)
// initialised to ‖W + s·BA‖, the math in ../dora.ts; merge folds m/‖W + s·BA‖ ⊙ (W + s·BA) in and keeps that norm
// for unmerge, as PEFT does. Host arrays only (the CPU backends) so far.
import { type F32, isHostArray, kernel, type Parameter } from '@lora/core';
import { gradOf } from '../buffers.js';
import { type DoraCache, type DoraWeights, doraBackward, doraForward, doraWeightNorm } from '../dora.js';
import { LoraConfigError } from '../errors.js';
import type { LoraLinear } from '../lora-linear.js';
import type { LoraVariant, VariantForward, VariantGradient } from './variant.js';

/** DoRA's per-row norms and rescaling run on host arrays (typed arrays); a device array is refused by name. */
function host(layer: LoraLinear, a: F32): Float32Array {
  if (!isHostArray(a) && !(a instanceof Float64Array))
    throw new LoraConfigError(
      `LoraLinear ${layer.name}: DoRA (use_dora) expected arrays in host memory (the wasm or reference backend), got a device array; train DoRA adapters on a CPU backend`,
    );
  return a as Float32Array;
}

function doraWeights(layer: LoraLinear, weight: Float32Array): DoraWeights {
  const { inFeatures, outFeatures, r, scaling } = layer;
  const [a, b] = [host(layer, layer.loraA.data), host(layer, layer.loraB.data)];
  return { weight, a, b, scaling, inFeatures, outFeatures, r };
}

/** DoRA as a LoraVariant: the (out) magnitude, its forward/backward from ../dora.ts, and merges that keep the norm. */
export class LoraVariantDora implements LoraVariant<DoraCache, Float64Array> {
  readonly name = 'dora';
  #magnitude: Parameter | undefined;

  /** (out) ‖W + s·BA‖ per row at init, trained */
  get magnitude(): Parameter {
    if (!this.#magnitude) throw new LoraConfigError('DoRA: expected init() before use, got none');
    return this.#magnitude;
  }

  parameters(): Parameter[] {
    return [this.magnitude];
  }

  init(layer: LoraLinear): void {
    const base = layer.base;
    if (!base.denseWeight)
      throw new LoraConfigError(
        `LoraLinear ${layer.name}: use_dora expected a base linear with denseWeight(), got none`,
      );
    const norm = doraWeightNorm(doraWeights(layer, host(layer, base.denseWeight().weight)));
    this.#magnitude = layer.adapterParameter(
      'lora_magnitude_vector',
      [layer.outFeatures],
      Float32Array.from(norm),
    );
  }

  forward(layer: LoraLinear, { y, xd, h, rows, dropped }: VariantForward): DoraCache {
    const { inFeatures: I, outFeatures: O, r: R } = layer;
    const matmul = kernel('matmul');
    const yHost = host(layer, y);
    const dense = layer.base.denseWeight!(); // one copy (a dequantization, for a 4-bit base) per forward
    const weight = host(layer, dense.weight);
    const biasHost = dense.bias ? host(layer, dense.bias) : undefined;
    const Like = yHost.constructor as Float32ArrayConstructor;
    const loraOut = new Like(rows * O); // (T, out) h·Bᵀ
    matmul({ a: h, b: layer.loraB.data, out: loraOut, m: rows, n: O, k: R, transB: true });
    const baseOut = new Like(rows * O); // (T, out) x_d·Wᵀ
    if (dropped) matmul({ a: xd, b: weight, out: baseOut, m: rows, n: O, k: I, transB: true });
    else for (let k = 0; k < rows * O; k++) baseOut[k] = yHost[k]! - (biasHost ? biasHost[k % O]! : 0);
    const norm = doraWeightNorm(doraWeights(layer, weight));
    const magnitude = host(layer, this.magnitude.data);
    return doraForward(yHost, loraOut, baseOut, magnitude, norm, layer.scaling, rows);
  }

  backward(layer: LoraLinear, dy: F32, cache: DoraCache, rows: number): VariantGradient {
    const m = this.magnitude;
    return doraBackward(host(layer, dy), cache, rows, m.trainable ? host(layer, gradOf(m)) : undefined);
  }

  /** W ← m/‖W + s·BA‖ ⊙ (W + s·BA); returns the norm used. */
  merge(layer: LoraLinear, weight: F32): Float64Array {
    const w = host(layer, weight);
    const d = host(layer, layer.deltaWeight());
    const m = host(layer, this.magnitude.data);
    const I = layer.inFeatures;
    const norm = doraWeightNorm(doraWeights(layer, w));
    for (let k = 0; k < w.length; k++) {
      const j = Math.floor(k / I);
      w[k] = (m[j]! / norm[j]!) * (w[k]! + d[k]!);
    }
    return norm;
  }

  /** W ← W / (m/‖W + s·BA‖) − s·BA, with the norm kept at merge. */
  unmerge(layer: LoraLinear, weight: F32, norm: Float64Array): void {
    const w = host(layer, weight);
    const d = host(layer, layer.deltaWeight());
    const m = host(layer, this.magnitude.data);
    const I = layer.inFeatures;
    for (let k = 0; k < w.length; k++) {
      const j = Math.floor(k / I);
      w[k] = w[k]! / (m[j]! / norm[j]!) - d[k]!;
    }
  }
}

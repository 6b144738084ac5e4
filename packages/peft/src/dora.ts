// DoRA, weight-decomposed LoRA (Liu et al. 2024; PEFT tuners/lora/dora.py DoraLinearLayer): the output direction
// comes from W + s·BA, its per-output-row norm is divided out (and detached, DoRA §4.3), a magnitude m scales it.
// With x_d the dropped-out input: y = base(x) + (m/‖W+sBA‖ − 1)·(x_d·Wᵀ) + (m/‖W+sBA‖)·s·(x_d·Aᵀ·Bᵀ),
// where x_d·Wᵀ is base(x) − b when dropout is off, as PEFT reuses it. Host arrays only (the CPU backends) so far.
import { allocLike, kernel } from '@lora/core';

/** DoRA runs on host arrays (LoraLinear checks): a zeroed one of `like`'s element type (Float64Array in gradient checks). */
const alloc = (like: Float32Array, n: number): Float32Array => allocLike(like, n) as Float32Array;

/** What DoRA's weight norm is computed from: the base weight and the LoRA factors. */
export interface DoraWeights {
  /** (out, in) the base's dense (dequantized) weight */
  weight: Float32Array;
  /** (R, in) */
  a: Float32Array;
  /** (out, R) */
  b: Float32Array;
  scaling: number;
  inFeatures: number;
  outFeatures: number;
  r: number;
}

/** ‖W + s·BA‖ per output row (out), as DoraLinearLayer.get_weight_norm computes it (sums in float64). */
export function doraWeightNorm(w: DoraWeights): Float64Array {
  const { outFeatures: O, inFeatures: I } = w;
  const ba = alloc(w.a, O * I); // (out, in)
  kernel('matmul')({ a: w.b, b: w.a, out: ba, m: O, n: I, k: w.r, alpha: w.scaling });
  const norm = new Float64Array(O);
  for (let j = 0; j < O; j++) {
    let sum = 0;
    for (let i = 0; i < I; i++) {
      const v = w.weight[j * I + i]! + ba[j * I + i]!;
      sum += v * v;
    }
    norm[j] = Math.sqrt(sum);
  }
  return norm;
}

/** What the DoRA backward needs from its forward. */
export interface DoraCache {
  /** (out) m / ‖W + s·BA‖ */
  scale: Float64Array;
  /** (out) ‖W + s·BA‖, detached */
  norm: Float64Array;
  /** (T, out) x_d·Wᵀ + s·x_d·Aᵀ·Bᵀ: d y / d m_j = term[:, j] / norm_j */
  term: Float32Array;
}

/**
 * Adds the DoRA terms to y (T, out), which holds base(x) on entry. `loraOut` (T, out) is x_d·Aᵀ·Bᵀ (unscaled);
 * `baseOut` (T, out) is x_d·Wᵀ without bias.
 */
export function doraForward(
  y: Float32Array,
  loraOut: Float32Array,
  baseOut: Float32Array,
  magnitude: Float32Array,
  norm: Float64Array,
  scaling: number,
  rows: number,
): DoraCache {
  const O = magnitude.length;
  const scale = new Float64Array(O);
  for (let j = 0; j < O; j++) scale[j] = magnitude[j]! / norm[j]!;
  const term = alloc(y, rows * O); // (T, out)
  for (let t = 0; t < rows; t++) {
    for (let j = 0; j < O; j++) {
      const k = t * O + j;
      const lora = scaling * loraOut[k]!;
      term[k] = baseOut[k]! + lora;
      y[k]! += (scale[j]! - 1) * baseOut[k]! + scale[j]! * lora;
    }
  }
  return { scale, norm, term };
}

/**
 * DoRA backward for dy (T, out): accumulates dm (out) and returns g = scale ⊙ dy (T, out), the gradient the LoRA
 * path sees, and gBase = (scale − 1) ⊙ dy (T, out), the extra gradient into x_d·Wᵀ.
 */
export function doraBackward(
  dy: Float32Array,
  cache: DoraCache,
  rows: number,
  dMagnitude: Float32Array | undefined,
): { g: Float32Array; gBase: Float32Array } {
  const O = cache.scale.length;
  const g = alloc(dy, rows * O);
  const gBase = alloc(dy, rows * O);
  const dm = new Float64Array(O);
  for (let t = 0; t < rows; t++) {
    for (let j = 0; j < O; j++) {
      const k = t * O + j;
      g[k] = cache.scale[j]! * dy[k]!;
      gBase[k] = (cache.scale[j]! - 1) * dy[k]!;
      dm[j]! += dy[k]! * cache.term[k]!;
    }
  }
  if (dMagnitude) for (let j = 0; j < O; j++) dMagnitude[j]! += dm[j]! / cache.norm[j]!;
  return { g, gBase };
}

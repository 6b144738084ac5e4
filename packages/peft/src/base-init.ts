// Inits that read the base weight and rewrite it to the residual (PEFT LoraLayer.pissa_init and olora_init):
// PiSSA (Meng et al. 2024): W = V·S·Uᵀ, A = √(S_r/s)·U_rᵀ, B = V_r·√(S_r/s) ("pissa": exact SVD; "pissa_niter_K":
// torch.svd_lowrank with K subspace iterations); OLoRA (Büyükakyüz 2024): W = Q·R, A = R[:r], B = Q[:, :r].
// The base becomes W − s·BA, so the layer computes W at step 0. Math in float64; A, B and W_res stored as float32.
import { type F32, isHostArray, type LinearModule, type Parameter } from '@lora/core';
import { dequantize4bit, Nf4Linear, quantize4bit } from '@lora/quant-nf4';
import { LoraConfigError } from './errors.js';
import type { Uniform } from './init.js';
import { matmul, qr, svd, svdLowRank } from './linalg.js';

/** The init_lora_weights values that read and rewrite the base weight. */
export type BaseInit = 'pissa' | 'olora' | `pissa_niter_${number}`;

const NITER = /^pissa_niter_(\d+)$/;

/** Whether `init` is PiSSA ("pissa", "pissa_niter_K") or OLoRA. */
export function isBaseInit(init: unknown): init is BaseInit {
  return init === 'pissa' || init === 'olora' || (typeof init === 'string' && NITER.test(init));
}

/** A, B and the residual base weight an init computed from W (out, in). */
export interface BaseInitResult {
  /** (R, in) */
  a: Float32Array;
  /** (out, R) */
  b: Float32Array;
  /** (out, in) W − s·BA */
  residual: Float32Array;
}

/** One N(0, 1) draw from a uniform stream (Box–Muller, in float64), for svd_lowrank's test matrix. */
export function gaussianFrom(rng: Uniform): () => number {
  return () => Math.sqrt(-2 * Math.log(Math.max(rng(), Number.MIN_VALUE))) * Math.cos(2 * Math.PI * rng());
}

/**
 * PiSSA or OLoRA from the dense weight W (out, in): A (R, in), B (out, R) and W − s·BA. `gaussian` draws
 * svd_lowrank's test matrix (pissa_niter_K only). Throws LoraConfigError for R > min(out, in).
 */
export function initFromWeight(
  init: BaseInit,
  weight: ArrayLike<number>,
  shape: { out: number; in: number; r: number; scaling: number; name: string },
  gaussian: () => number,
): BaseInitResult {
  const { out: O, in: I, r: R, scaling: s, name } = shape;
  const w = Float64Array.from(weight); // (out, in)
  if (R > Math.min(O, I))
    throw new LoraConfigError(
      `LoraLinear ${name}: init_lora_weights ${JSON.stringify(init)} expected r <= min(out, in) = ${Math.min(O, I)}, got r = ${R}`,
    );
  const a = new Float64Array(R * I); // (R, in)
  const b = new Float64Array(O * R); // (out, R)
  if (init === 'olora') {
    const { q, r, k } = qr(w, O, I, R); // Q[:, :R] (out, R), R[:R] (R, in) of W's QR
    for (let i = 0; i < R; i++) for (let c = 0; c < I; c++) a[i * I + c] = r[i * I + c]!;
    for (let j = 0; j < O; j++) for (let i = 0; i < R; i++) b[j * R + i] = q[j * k + i]!;
  } else {
    // W = V·diag(S)·Uh in PEFT's letters: V (out, k) left vectors, Uh (k, in) right vectors transposed
    let left: (j: number, i: number) => number;
    let right: (i: number, c: number) => number;
    let sigma: Float64Array;
    const niter = NITER.exec(init);
    if (niter) {
      const f = svdLowRank(w, O, I, R, Number(niter[1]), gaussian); // U (out, R), S (R), V (in, R)
      [left, right, sigma] = [(j, i) => f.u[j * R + i]!, (i, c) => f.v[c * R + i]!, f.s];
    } else {
      const f = svd(w, O, I); // U (out, k), S (k), Vᵀ (k, in)
      [left, right, sigma] = [(j, i) => f.u[j * f.k + i]!, (i, c) => f.vt[i * I + c]!, f.s];
    }
    for (let i = 0; i < R; i++) {
      const root = Math.sqrt(sigma[i]! / s);
      for (let c = 0; c < I; c++) a[i * I + c] = root * right(i, c);
      for (let j = 0; j < O; j++) b[j * R + i] = left(j, i) * root;
    }
  }
  const [a32, b32] = [Float32Array.from(a), Float32Array.from(b)];
  const ba = matmul(Float64Array.from(b32), Float64Array.from(a32), O, R, I); // (out, in) from the stored factors
  const residual = Float32Array.from(ba, (v, k) => w[k]! - s * v);
  return { a: a32, b: b32, residual };
}

/** The base's own dense (out, in) weight parameter, if it has one. */
function denseWeightParameter(base: LinearModule): Parameter | undefined {
  const { inFeatures: I, outFeatures: O } = base;
  return base
    .parameters()
    .find((p) => p.shape.length === 2 && p.shape[0] === O && p.shape[1] === I && p.data.length === O * I);
}

/**
 * Runs a base-reading init on `base`: returns A, B and the base to use — the same dense base with its weight
 * overwritten by the residual, or, for a 4-bit base (Nf4Linear), a new one holding the re-quantized residual with
 * the same quant type, block size and double quantization (PEFT's olora_init re-quantizes a bnb 4-bit weight).
 */
export function initBase(
  init: BaseInit,
  base: LinearModule,
  shape: { r: number; scaling: number; name: string },
  rng: Uniform,
): { a: Float32Array; b: Float32Array; base: LinearModule } {
  const where = `LoraLinear ${shape.name}: init_lora_weights ${JSON.stringify(init)}`;
  const dense = denseWeightParameter(base);
  const quantized = base instanceof Nf4Linear ? base : undefined;
  if (!dense && !quantized)
    throw new LoraConfigError(
      `${where} expected a dense base weight or a 4-bit Nf4Linear base, got ${base.constructor.name} with neither`,
    );
  const weight: F32 = dense ? dense.data : dequantize4bit(quantized!.weight);
  if (!isHostArray(weight) && !(weight instanceof Float64Array))
    throw new LoraConfigError(
      `${where} expected the base weight in host memory (inject before moving the model to a device), got a device array`,
    );
  const host = weight as Float32Array;
  const dims = { ...shape, out: base.outFeatures, in: base.inFeatures };
  const { a, b, residual } = initFromWeight(init, host, dims, gaussianFrom(rng));
  if (dense) {
    for (let k = 0; k < host.length; k++) host[k] = residual[k]!;
    return { a, b, base };
  }
  const q = quantized!.weight;
  const requantized = quantize4bit(residual, q.shape, {
    quantType: q.quantType,
    blocksize: q.blocksize,
    doubleQuant: q.nested !== undefined,
    dtype: q.dtype,
    name: `${shape.name}.weight`,
  });
  const bias = quantized!.bias?.data;
  return {
    a,
    b,
    base: new Nf4Linear({ name: quantized!.name, weight: requantized, ...(bias ? { bias } : {}) }),
  };
}

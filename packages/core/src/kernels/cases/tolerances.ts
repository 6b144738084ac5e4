// How close a float32 backend must come to the reference (float64 sums, each output rounded once), per output.
import type { KernelName } from '../types.js';

/** |actual − expected| ≤ atol + atolOfMax · max|expected| + rtol · |expected|. */
export interface KernelTolerance {
  rtol: number;
  atol: number;
  /** absolute allowance relative to the output's largest magnitude, for results that cancel towards 0 */
  atolOfMax?: number;
}

/** float32 machine epsilon (one ulp at 1). */
export const EPS32 = 2 ** -23;

/**
 * The plain { rtol, atol } of a case's output: atolOfMax scaled by the largest finite |expected| (an equal ±Infinity
 * or NaN matches itself and sets no scale).
 */
export function resolveTolerance(
  tol: KernelTolerance,
  expected: ArrayLike<number>,
): { rtol: number; atol: number } {
  let max = 0;
  for (let i = 0; i < expected.length; i++) {
    const v = Math.abs(expected[i]!);
    if (v !== Number.POSITIVE_INFINITY && v > max) max = v; // NaN compares false
  }
  return { rtol: tol.rtol, atol: tol.atol + (tol.atolOfMax ? tol.atolOfMax * max : 0) };
}

/**
 * GEMM. A float32 running sum of K products, each of std σ (σ = 1/3 for entries uniform in [−1, 1]), has
 * partial sums of size √p·σ and adds a rounding error of ≈ eps·|partial|/√12 at each step: in all
 * ≈ 0.2·eps·σ·K (i.e. √K·eps relative to the ≈ √K·σ output). We allow 2·eps·σ·K·|alpha| — about 10 standard
 * deviations, 8e-5 at K = 1027 against outputs of size ≈ 10 — plus 8 ulp of the output itself. A wrong index
 * or a dropped block is off by O(σ), orders of magnitude more.
 */
export function gemmTolerance(k: number, alpha = 1, sigma = 1 / 3): Record<'out', KernelTolerance> {
  return { out: { rtol: 8 * EPS32, atol: 2 * EPS32 * sigma * Math.max(k, 1) * Math.abs(alpha) } };
}

// Row reductions over C ≤ ~1031 in float32 carry ≈ √C·eps relative error (≈ 4e-6 at C = 1031, worst case C·eps
// only for adversarial orders), and exp/tanh/sqrt add a few ulp (GLSL highp allows ~3 ulp plus 2 ulp per unit
// of |x| for exp): rtol 2e-5 covers both with margin. Where a result is a difference that can cancel to 0
// (backward passes, x·cos − y·sin, 1 + tanh), the error is relative to the largest term, hence atolOfMax.
const REDUCTION: KernelTolerance = { rtol: 2e-5, atol: 0, atolOfMax: 2e-5 };
const EXACT: KernelTolerance = { rtol: 0, atol: 0 };
const ONE_OP: KernelTolerance = { rtol: EPS32, atol: 1e-38 };

/** Kernels whose tolerance depends on the reduction length, given per case. */
export type GemmKernel = 'matmul' | 'batchedMatmul' | 'nf4Matmul';

export const OUTPUT_TOLERANCES: {
  [K in Exclude<KernelName, GemmKernel>]: Record<string, KernelTolerance>;
} = {
  // y = e / Σe is a product, so its relative error is that of the sum and one exp; tiny y keep it.
  softmax: { out: { rtol: 2e-5, atol: 1e-30 } },
  // y · (dy − Σ y·dy): the dot product cancels, its error scaled by y ≤ 1 is relative to the largest dx.
  softmaxBackward: { dx: REDUCTION },
  rmsnorm: { out: REDUCTION, rstd: { rtol: 2e-5, atol: 0 } },
  // dweight sums T rows of mixed sign: same √T·eps argument, relative to its largest entry.
  rmsnormBackward: { dx: REDUCTION, dweightAccumulate: REDUCTION },
  // a float32 sum of C inputs of size ≈ 2 errs by ≈ √C·eps·2·√C, so its mean by ≈ 2·eps: an absolute 1e-6.
  layernorm: { out: REDUCTION, mean: { rtol: 2e-5, atol: 1e-6 }, rstd: { rtol: 2e-5, atol: 0 } },
  layernormBackward: { dx: REDUCTION, dweightAccumulate: REDUCTION, dbiasAccumulate: REDUCTION },
  // two products and one add per output: ≤ 1.5 ulp of the larger product, so 4·eps of the largest |x|.
  rope: { out: { rtol: 4 * EPS32, atol: 0, atolOfMax: 4 * EPS32 } },
  // a few ulp of exp/tanh; gelu's 1 + tanh(u) cancels for x ≲ −4, an absolute error of ≈ eps · |x| · ½.
  silu: { out: { rtol: 1e-5, atol: 1e-6 } },
  siluBackward: { dx: { rtol: 1e-5, atol: 1e-6 } },
  geluTanh: { out: { rtol: 1e-5, atol: 1e-6 } },
  geluTanhBackward: { dx: { rtol: 1e-5, atol: 1e-6 } },
  // a few ulp of tanh (or of exp, 1 − 2/(e²ᵘ + 1)); the backward's 1 − t² cancels where |y| → cap: an absolute
  // 2·eps of |dy| ≈ 1.
  softcap: { out: { rtol: 1e-5, atol: 1e-6 } },
  softcapBackward: { dx: { rtol: 1e-5, atol: 1e-6 } },
  // the max and the target logit are copies of inputs, exact; the running sum is a float32 reduction.
  crossEntropyChunk: { runningMax: EXACT, targetLogit: EXACT, runningSum: { rtol: 2e-5, atol: 0 } },
  // (exp(l − lse) − onehot) · scale: a few ulp of exp, and p − 1 cancels at the target: relative to max |d|.
  crossEntropyChunkBackward: { dlogits: { rtol: 1e-5, atol: 0, atolOfMax: 1e-6 } },
  embedding: { out: EXACT },
  // repeated ids sum up to T float32 values in some order.
  embeddingBackward: { dtableAccumulate: { rtol: 1e-6, atol: 0, atolOfMax: 1e-6 } },
  // m = β1·m + (1 − β1)·g cancels when m and g have opposite signs: 4 ulp of the largest |m|. Its error reaches
  // param through lr·m̂/(√v̂ + eps), up to ~1e-8 for small v̂: 1e-6 of the largest |param| (a missing bias
  // correction or weight decay moves param by ~lr, 1e-3). v sums two positive terms: a few ulp.
  adamw: {
    param: { rtol: 2e-6, atol: 0, atolOfMax: 1e-6 },
    m: { rtol: 2e-6, atol: 0, atolOfMax: 4 * EPS32 },
    v: { rtol: 2e-6, atol: 1e-15 },
  },
  // g + wd·p and p − lr·g: two float32 operations that cancel, each fused or not: 2 ulp of the largest |param|.
  sgd: { param: { rtol: 2 * EPS32, atol: 0, atolOfMax: 2 * EPS32 } },
  // the update as adamw's (m and v are rounded once more, to their codes); each block's absmax is one moment, a few
  // ulp; a code is the nearest of 256 to m / absmax, the same unless that lands within an ulp of a midpoint.
  adamw8bit: {
    param: { rtol: 2e-6, atol: 0, atolOfMax: 1e-6 },
    absmax1: { rtol: 4 * EPS32, atol: 0 },
    absmax2: { rtol: 4 * EPS32, atol: 0 },
    state1: EXACT,
    state2: EXACT,
  },
  // copies and fills move values: exact.
  fill: { x: EXACT },
  stridedCopy: { dst: EXACT },
  // one correctly rounded float32 operation each (a + b, a · b, alpha · x, x + bias, x · f32 scale): 1 ulp.
  add: { out: ONE_OP },
  mul: { out: ONE_OP },
  scale: { out: ONE_OP },
  addBias: { x: ONE_OP },
  dropout: { out: ONE_OP },
  // y + alpha·x rounds twice in float32 (once in the float64 reference), and cancels: 2 ulp of the larger term.
  axpy: { y: { rtol: 2 * EPS32, atol: 0, atolOfMax: 2 * EPS32 } },
  uniformNoise: { x: { rtol: 2 * EPS32, atol: 0, atolOfMax: 2 * EPS32 } },
  // a float32 sum over T rows, as rmsnorm's dweight.
  columnSums: { outAccumulate: REDUCTION },
  causalSoftmax: { out: { rtol: 2e-5, atol: 1e-30 } },
  // the best value and index are copies of inputs and positions: exact.
  argmaxChunk: { bestValue: EXACT, bestIndex: EXACT },
  // lse = max + log(sum): a few ulp of log, relative to the largest |lse|; the loss sum is a float32 reduction over
  // T rows (≈ √T·eps relative), token and hit counts are small integers, exact in float32.
  crossEntropyStats: { lse: { rtol: 1e-6, atol: 0, atolOfMax: 1e-6 }, stats: { rtol: 1e-5, atol: 0 } },
  sumSquares: { out: { rtol: 2e-5, atol: 0 } },
  countNonFinite: { out: EXACT },
  // √ and one division: a few ulp.
  gradClip: { factor: { rtol: 4 * EPS32, atol: 0 } },
  // two float32 products, each rounded as the reference rounds it: exact.
  dequantizeAbsmax: { out: EXACT },
  // a maximum of magnitudes and a nearest code chosen by float32 comparisons: exact.
  quantize4bitBlockwise: { packed: EXACT, absmax: EXACT },
};

/**
 * Norm backward where every row normalizes to ±1 whatever x is (RMSNorm with C = 1, LayerNorm with C = 2): dx is
 * then a difference of equal terms of size rstd·|dout·w| ≈ 1, a value near 0 made of rounding, so it is only
 * checked to be that near-0 value on the scale of those terms (an absolute 1e-6).
 */
export const DEGENERATE_NORM_DX: KernelTolerance = { rtol: 2e-5, atol: 1e-6 };

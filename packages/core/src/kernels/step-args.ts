// The arguments of the per-step arithmetic kernels of the contract (types.ts): what would otherwise be a JS loop over
// an array between two kernels (fills, copies, adds, bias, column sums, dropout, masked softmax, loss and gradient
// statistics), and the 4-bit absmax restore and blockwise quantization.
import type { F32, I32, U8 } from '../device/arrays.js';

/** x[0 … n) = value (an integer for an I32 array). */
export interface FillArgs {
  x: F32 | I32;
  n: number;
  value: number;
}

/**
 * A strided copy of a 3-level grid of contiguous runs: for i < counts[0], j < counts[1], k < counts[2], e < inner,
 * dst[i·d0 + j·d1 + k·d2 + e] = src[i·s0 + j·s1 + k·s2 + e]. Transposes of head layouts, splitting a fused qkv,
 * writing keys into a KV cache. src and dst must not overlap.
 */
export interface StridedCopyArgs {
  src: F32;
  dst: F32;
  counts: readonly [number, number, number];
  inner: number;
  srcStrides: readonly [number, number, number];
  dstStrides: readonly [number, number, number];
}

/** out = a + b elementwise (out may alias a or b). */
export interface AddArgs {
  a: F32;
  b: F32;
  out: F32;
  n: number;
}

/** out = a ⊙ b elementwise (out may alias a or b). */
export type MulArgs = AddArgs;

/** y += alpha · x (BLAS axpy). */
export interface AxpyArgs {
  x: F32;
  y: F32;
  n: number;
  alpha: number;
}

/** out = alpha · x (out may alias x). */
export interface ScaleArgs {
  x: F32;
  out: F32;
  n: number;
  alpha: number;
}

/** x[r, :] += bias for each of `rows` rows. */
export interface AddBiasArgs {
  /** (T, C), in place */
  x: F32;
  /** (C) */
  bias: F32;
  rows: number;
  cols: number;
}

/** outAccumulate[j] += Σ_r x[r, j]: a bias gradient from (T, C) output gradients. */
export interface ColumnSumsArgs {
  /** (T, C) */
  x: F32;
  /** (C), accumulated into */
  outAccumulate: F32;
  rows: number;
  cols: number;
}

/**
 * Inverted dropout with a counter-based mask (torch.nn.Dropout semantics, a stateless generator): element i is kept
 * when counterHash(seed, i) ≥ ⌊p · 2³²⌋ (dropThreshold), and out = keep ? x · f32(1 / (1 − p)) : 0. The same seed gives the same mask,
 * so the backward pass is the same call on the gradient. out may alias x.
 */
export interface DropoutArgs {
  x: F32;
  out: F32;
  n: number;
  /** drop probability in [0, 1) */
  p: number;
  /** a 32-bit unsigned seed */
  seed: number;
}

/** NEFTune's noise (TRL): x[i] += (2u − 1) · magnitude, u = (counterHash(seed, i) >>> 8) / 2²⁴ in [0, 1). */
export interface UniformNoiseArgs {
  x: F32;
  n: number;
  magnitude: number;
  seed: number;
}

/**
 * Masked row softmax of attention scores laid out (blocks, heads, queries, keys): query i of a block sits at
 * position queryStart + i among the keys and sees keys j ≤ queryStart + i that the key mask keeps. With `keyMask`,
 * block b reads keyMask[maskOffsets[b] + j] (1 = real token); a query that is itself padding gets a row of zeros.
 * Masked entries are exactly 0. Equals softmax(scores + causal/padding −∞ mask) as transformers computes it.
 */
export interface CausalSoftmaxArgs {
  /** (blocks, heads, queries, keys) scores */
  x: F32;
  /** (blocks, heads, queries, keys) probabilities; may alias x */
  out: F32;
  blocks: number;
  heads: number;
  queries: number;
  keys: number;
  /** position of the first query among the keys (keys − queries when decoding, 0 in training) */
  queryStart: number;
  /** 1 = real token, 0 = padding; absent = every key is real */
  keyMask?: I32;
  /** (blocks) where each block's keys start in keyMask; required with keyMask */
  maskOffsets?: I32;
}

/**
 * The running argmax over vocabulary chunks (torch.argmax's first maximum): for each row, the first index of the
 * chunk's largest logit replaces bestIndex when that logit is above bestValue. Init bestValue −∞, bestIndex −1.
 */
export interface ArgmaxChunkArgs {
  /** (T, cols) */
  logits: F32;
  rows: number;
  cols: number;
  vocabStart: number;
  /** (T) running best logit */
  bestValue: F32;
  /** (T) running best vocabulary index */
  bestIndex: I32;
}

/**
 * Closes the online log-sum-exp of crossEntropyChunk: lse[r] = runningMax[r] + log(runningSum[r]) for every row,
 * and over the rows with a target ≥ 0: stats[0] += Σ (lse − targetLogit), stats[1] += their count, stats[2] += how
 * many have bestIndex == target.
 */
export interface CrossEntropyStatsArgs {
  rows: number;
  /** (T) */
  targets: I32;
  runningMax: F32;
  runningSum: F32;
  targetLogit: F32;
  bestIndex: I32;
  /** (T), written */
  lse: F32;
  /** (3) [loss sum, tokens, correct], accumulated into */
  stats: F32;
}

/** out[0] += Σ x[i]² (one term of a gradient norm). */
export interface SumSquaresArgs {
  x: F32;
  n: number;
  /** (1) accumulated into */
  out: F32;
}

/**
 * torch.nn.utils.clip_grad_norm_'s factor from the summed squares of every gradient: norm = √sumSquares;
 * factor = min(1, maxNorm / (norm + 1e-6)), or 1 when maxNorm ≤ 0; NaN when the norm is not finite (adamw then
 * skips the update).
 */
export interface GradClipArgs {
  /** (1) */
  sumSquares: F32;
  maxNorm: number;
  /** (1) written */
  factor: F32;
}

/** out[0] += the number of NaN and ±Infinity values in x. */
export interface CountNonFiniteArgs {
  x: F32;
  n: number;
  /** (1) accumulated into */
  out: F32;
}

/**
 * Restores a double-quantized 4-bit absmax (bitsandbytes compress_statistics): out[i] = f32(f32(code[q[i]] ·
 * nestedAbsmax[⌊i / nestedBlocksize⌋]) + offset).
 */
export interface DequantizeAbsmaxArgs {
  /** (n) 8-bit codes */
  qabsmax: U8;
  /** (⌈n / nestedBlocksize⌉) */
  nestedAbsmax: F32;
  /** (256) the signed dynamic map */
  nestedCode: F32;
  nestedBlocksize: number;
  offset: number;
  /** (n) written */
  out: F32;
  n: number;
}

/**
 * Blockwise 4-bit quantization of host values (bitsandbytes quantize_4bit, default backend): per block of
 * `blocksize` elements absmax = max |v| (the ragged last block its own); each v · f32(1/absmax) in float32, clamped
 * to [-1, 1] (0 for an all-zero block), coded as its nearest entry of `code` (torch.argmin in float32, the first
 * index on ties); two codes per byte, the first element in the high nibble, an odd tail padded with the code of 0.
 * A block holding NaN or ±Infinity gets a non-finite absmax (NaN when it holds a NaN) and codes left unspecified:
 * the caller refuses it. A load-time job on host arrays on every backend (HOST_KERNEL_NAMES).
 */
export interface Quantize4bitBlockwiseArgs {
  /** (n) */
  values: F32;
  /** (16) the codebook, e.g. NF4 */
  code: F32;
  blocksize: number;
  n: number;
  /** (⌈n / 2⌉) written */
  packed: U8;
  /** (⌈n / blocksize⌉) written */
  absmax: F32;
}

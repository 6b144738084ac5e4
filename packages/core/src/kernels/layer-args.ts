// The arguments of the model-layer kernels of the contract (types.ts): products (dense and NF4), softmax, norms,
// RoPE, activations, cross-entropy, embedding and the optimizers. Letters: M/N/K matmul dims, T rows (tokens),
// C channels, V vocab, H heads, D head dim.
import type { F32, I32, U8 } from '../device/arrays.js';

/** out (M, N) = alpha * op(A) · op(B) [+ out when accumulate]. */
export interface MatmulArgs {
  /** (M, K) row-major, or (K, M) when transA */
  a: F32;
  /** (K, N) row-major, or (N, K) when transB — a Linear weight [out, in] is B with transB */
  b: F32;
  /** (M, N) */
  out: F32;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  /** add into out instead of overwriting it */
  accumulate?: boolean;
  alpha?: number;
}

/** Independent matmuls over a leading batch dim; each operand is `batch` contiguous matrices. */
export interface BatchedMatmulArgs extends MatmulArgs {
  batch: number;
}

/** Row softmax over the last dim. */
export interface SoftmaxArgs {
  /** (T, C) */
  x: F32;
  /** (T, C) */
  out: F32;
  rows: number;
  cols: number;
}

/** Arguments of `softmaxBackward`: the softmax output, the output gradient, and the input gradient out. */
export interface SoftmaxBackwardArgs {
  /** softmax output (T, C) */
  y: F32;
  /** (T, C) */
  dy: F32;
  /** (T, C), overwritten */
  dx: F32;
  rows: number;
  cols: number;
}

/** RMSNorm: out = x / sqrt(mean(x²) + eps) * (weightOffset + w). Gemma uses weightOffset 1. */
export interface RmsnormArgs {
  /** (T, C) */
  x: F32;
  /** (C) */
  weight: F32;
  /** (T, C) */
  out: F32;
  /** (T) reciprocal std, written for the backward pass */
  rstd: F32;
  rows: number;
  cols: number;
  eps: number;
  weightOffset?: number;
}

/** Arguments of `rmsnormBackward`: the output gradient, the forward input and weight, and the gradients out. */
export interface RmsnormBackwardArgs {
  /** (T, C) */
  dout: F32;
  /** (T, C) forward input */
  x: F32;
  /** (C) */
  weight: F32;
  /** (T) from the forward pass */
  rstd: F32;
  /** (T, C), overwritten */
  dx: F32;
  /** (C), accumulated into when given */
  dweightAccumulate?: F32;
  rows: number;
  cols: number;
  weightOffset?: number;
}

/** LayerNorm: out = (x - mean) * rstd * w + b. */
export interface LayernormArgs {
  x: F32;
  weight: F32;
  bias: F32;
  out: F32;
  /** (T) */
  mean: F32;
  /** (T) */
  rstd: F32;
  rows: number;
  cols: number;
  eps: number;
}

/** Arguments of `layernormBackward`: the output gradient, the forward input and weight, and the gradients out. */
export interface LayernormBackwardArgs {
  dout: F32;
  x: F32;
  weight: F32;
  mean: F32;
  rstd: F32;
  /** (T, C), overwritten */
  dx: F32;
  /** (C), accumulated into when given */
  dweightAccumulate?: F32;
  /** (C), accumulated into when given */
  dbiasAccumulate?: F32;
  rows: number;
  cols: number;
}

/**
 * Rotary embedding, Hugging Face "rotate_half" layout: for each head, pairs (i, i + rotaryDim/2).
 * Backward is the same call with `inverse: true` (rotation by -angle).
 */
export interface RopeArgs {
  /** (T, H, D) */
  x: F32;
  /** (T, H, D); may alias x */
  out: F32;
  tokens: number;
  heads: number;
  headDim: number;
  /** rotated leading dims of each head (= headDim for every model here) */
  rotaryDim: number;
  /** (T) position of each row */
  positions: I32;
  /** (P, rotaryDim/2) cos table indexed by position */
  cos: F32;
  /** (P, rotaryDim/2) sin table */
  sin: F32;
  inverse?: boolean;
}

/** Elementwise activation. */
export interface UnaryArgs {
  x: F32;
  out: F32;
  n: number;
}

/** dx = dout * f'(x). */
export interface UnaryBackwardArgs {
  x: F32;
  dout: F32;
  /** overwritten */
  dx: F32;
  n: number;
}

/**
 * Tanh soft-capping (Gemma 2's attention scores and final logits): out = cap · tanh(x / cap), bounded by ±cap and
 * ≈ x where |x| ≪ cap. out may alias x.
 */
export interface SoftcapArgs {
  x: F32;
  out: F32;
  n: number;
  /** the cap, > 0 */
  cap: number;
}

/**
 * The gradient of softcap from its output: dx = dy · (1 − (y / cap)²) = dy · (1 − tanh²(x / cap)), so the input
 * need not be kept (the capped values overwrite it). dx may alias dy.
 */
export interface SoftcapBackwardArgs {
  /** softcap's output */
  y: F32;
  dy: F32;
  /** overwritten */
  dx: F32;
  n: number;
  cap: number;
}

/**
 * Cross-entropy over a block of vocabulary logits with online log-sum-exp, so the full (T, V) logits never
 * need to exist: call once per vocab chunk [vocabStart, vocabStart + cols) with the running state.
 */
export interface CrossEntropyChunkArgs {
  /** (T, cols) logits of this vocab chunk */
  logits: F32;
  rows: number;
  cols: number;
  vocabStart: number;
  /** (T) target id per row; negative = ignored */
  targets: I32;
  /** (T) running max, init -Infinity */
  runningMax: F32;
  /** (T) running sum of exp(logit - runningMax), init 0 */
  runningSum: F32;
  /** (T) target logit, written when the target falls in this chunk */
  targetLogit: F32;
}

/** dlogits = (softmax(logits) - onehot(target)) * rowScale for one vocab chunk; ignored rows get 0. */
export interface CrossEntropyChunkBackwardArgs {
  logits: F32;
  rows: number;
  cols: number;
  vocabStart: number;
  targets: I32;
  /** (T) log-sum-exp over the whole vocab: runningMax + log(runningSum) */
  lse: F32;
  /** (T) dloss/dloss_row, e.g. 1 / number of label tokens */
  rowScale: F32;
  /** (T, cols), overwritten; may alias logits */
  dlogits: F32;
}

/**
 * A row block of a table split across arrays (a GPU's largest storage binding holds fewer than V rows): the array
 * holds rows [rowStart, rowStart + rowCount) of the logical (V, C) table. Given both, ids outside the block are
 * skipped (another block's call serves them); absent, the array is the whole table and every id must be a row of it.
 */
export interface RowBlock {
  /** the first row the array holds */
  rowStart?: number;
  /** rows the array holds (at most ⌊array.length / C⌋) */
  rowCount?: number;
}

/** Arguments of `embedding`: token ids, the table (or a row block of it), and the rows gathered out. */
export interface EmbeddingArgs extends RowBlock {
  /** (T) */
  ids: I32;
  /** (V, C), or the (rowCount, C) rows of a RowBlock */
  table: F32;
  /** (T, C); with a RowBlock, the rows of ids outside the block are left as they are */
  out: F32;
  tokens: number;
  dim: number;
}

/** Arguments of `embeddingBackward`: token ids and the output gradient, summed into the table's gradient rows. */
export interface EmbeddingBackwardArgs extends RowBlock {
  ids: I32;
  /** (T, C) */
  dout: F32;
  /** (V, C), or the (rowCount, C) rows of a RowBlock, accumulated into (scatter-add) */
  dtableAccumulate: F32;
  tokens: number;
  dim: number;
}

/** One decoupled-weight-decay AdamW step (torch.optim.AdamW semantics), in place. */
export interface AdamwArgs extends AdamwHyperparameters {
  param: F32;
  grad: F32;
  /** first moment, in place */
  m: F32;
  /** second moment, in place */
  v: F32;
}

/** The hyperparameters of one AdamW step, 32-bit or 8-bit state alike. */
export interface AdamwHyperparameters {
  /** 1-based step count after this update */
  step: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  n: number;
  /**
   * (1) a factor the gradient is multiplied by first (the clip factor gradClip writes); when it is not finite the
   * update is skipped, leaving param and the moments as they were. A backend may leave the scaled gradient in grad.
   */
  gradScale?: F32;
}

/**
 * One torch.optim.SGD step at Hugging Face's defaults (momentum 0, dampening 0, no nesterov), in place: weight decay
 * is added to the gradient (coupled L2, as torch's SGD does), g ← grad·gradScale + weightDecay·param; param ← param −
 * lr·g. There is no optimizer state.
 */
export interface SgdArgs {
  param: F32;
  /** read only */
  grad: F32;
  lr: number;
  weightDecay: number;
  n: number;
  /** (1) as AdamwArgs' gradScale: the gradient is multiplied by it first; a non-finite one skips the update */
  gradScale?: F32;
}

/**
 * One bitsandbytes 8-bit blockwise AdamW step (kOptimizerStatic8bit2StateBlockwise, ADAM, AdamW8bit's update), in
 * place. The moments live as 8-bit codes with one absmax per block of ADAMW8BIT_BLOCKSIZE (256) elements: m = qmap1[
 * state1]·absmax1[block], v = qmap2[state2]·absmax2[block]. Per element with a finite gradient: g = grad·gradScale;
 * m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; p ← p − lr·(√(1 − β2^t) / (1 − β1^t))·m / (√v + eps·√(1 − β2^t)),
 * then p ← p·(1 − lr·wd) (weight decay after the update, as bitsandbytes applies it). An element whose gradient is
 * NaN or ±Infinity keeps its p and gets m = v = 0. Then each block's absmax becomes max |m| (max v) over the block,
 * and each code the nearest in its map of m / absmax (bitsandbytes' binary search, the sign of m kept); a block
 * whose absmax is 0 stores the code of 0.
 */
export interface Adamw8bitArgs extends AdamwHyperparameters {
  param: F32;
  grad: F32;
  /** (n) codes of the first moment into qmap1, in place */
  state1: U8;
  /** (n) codes of the second moment into qmap2, in place */
  state2: U8;
  /** (⌈n / 256⌉) the first moment's block scales, in place */
  absmax1: F32;
  /** (⌈n / 256⌉) the second moment's block scales, in place */
  absmax2: F32;
  /** (256) ascending, qmap1[255] = 1: bitsandbytes' signed dynamic map (create_dynamic_map(signed=True)) */
  qmap1: F32;
  /** (256) ascending from 0, qmap2[255] = 1: the unsigned dynamic map (create_dynamic_map(signed=False)) */
  qmap2: F32;
}

/**
 * Fused NF4/FP4 dequantize-matmul over a bitsandbytes 4-bit weight W (N, K) = (out, in), never materialized:
 * W[r, c] = code[nibble(r·K + c)] · absmax[⌊(r·K + c) / blocksize⌋], two codes per byte, first in the HIGH nibble.
 * 'forward': out (M, N) = x (M, K) · Wᵀ. 'inputGrad': out (M, K) = x (M, N) · W (x is dy). [+ out when accumulate]
 *
 * The block scales come in exactly one of two forms: `absmax` (f32, as stored), or `nested`, a double-quantized
 * absmax (bitsandbytes compress_statistics, "double quant included") that the kernel restores block by block as it
 * reads it, with dequantizeAbsmax's formula: absmax[b] = f32(f32(nestedCode[qabsmax[b]] ·
 * nestedAbsmax[⌊b / nestedBlocksize⌋]) + f32(offset)) — bit for bit what dequantizeAbsmax then nf4Matmul give,
 * with no f32 scratch and no second kernel call for the caller to make.
 */
export interface Nf4MatmulArgs {
  /** (M, K) for 'forward'; dy (M, N) for 'inputGrad' */
  x: F32;
  /** (⌈N·K / 2⌉) 4-bit code indices of W (N, K), row-major, first element in the high nibble */
  packed: U8;
  /** (⌈N·K / blocksize⌉) f32 scale of each block of the flattened W; absent when `nested` is given */
  absmax?: F32;
  /** the block scales double-quantized (absent when `absmax` is given); fields as DequantizeAbsmaxArgs' */
  nested?: {
    /** (⌈N·K / blocksize⌉) 8-bit code of each block's scale */
    qabsmax: U8;
    /** (⌈blocks / nestedBlocksize⌉) f32 scale of each nested block of qabsmax */
    nestedAbsmax: F32;
    /** (256) the signed dynamic map */
    nestedCode: F32;
    /** blocks per nested block (256 in bitsandbytes) */
    nestedBlocksize: number;
    /** added to every restored scale (the mean bitsandbytes subtracted before quantizing) */
    offset: number;
  };
  /** (16) code table (NF4 or FP4 levels) */
  code: F32;
  /** elements per absmax block of the flattened W (64 in bitsandbytes) */
  blocksize: number;
  /** (M, N) for 'forward'; (M, K) for 'inputGrad' */
  out: F32;
  m: number;
  /** rows of W: out features */
  n: number;
  /** columns of W: in features */
  k: number;
  mode: 'forward' | 'inputGrad';
  /** add into out instead of overwriting it */
  accumulate?: boolean;
}

// The kernel contract: every backend implements these signatures; the reference backend is the oracle.
// All kernels are synchronous, write into caller-owned outputs, and take row-major f32 data with explicit dims.
// Letters: M/N/K matmul dims, T rows (tokens), C channels, V vocab, H heads, D head dim.

/** out (M, N) = alpha * op(A) · op(B) [+ out when accumulate]. */
export interface MatmulArgs {
  /** (M, K) row-major, or (K, M) when transA */
  a: Float32Array;
  /** (K, N) row-major, or (N, K) when transB — a Linear weight [out, in] is B with transB */
  b: Float32Array;
  /** (M, N) */
  out: Float32Array;
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
  x: Float32Array;
  /** (T, C) */
  out: Float32Array;
  rows: number;
  cols: number;
}

export interface SoftmaxBackwardArgs {
  /** softmax output (T, C) */
  y: Float32Array;
  /** (T, C) */
  dy: Float32Array;
  /** (T, C), overwritten */
  dx: Float32Array;
  rows: number;
  cols: number;
}

/** RMSNorm: out = x / sqrt(mean(x²) + eps) * (weightOffset + w). Gemma uses weightOffset 1. */
export interface RmsnormArgs {
  /** (T, C) */
  x: Float32Array;
  /** (C) */
  weight: Float32Array;
  /** (T, C) */
  out: Float32Array;
  /** (T) reciprocal std, written for the backward pass */
  rstd: Float32Array;
  rows: number;
  cols: number;
  eps: number;
  weightOffset?: number;
}

export interface RmsnormBackwardArgs {
  /** (T, C) */
  dout: Float32Array;
  /** (T, C) forward input */
  x: Float32Array;
  /** (C) */
  weight: Float32Array;
  /** (T) from the forward pass */
  rstd: Float32Array;
  /** (T, C), overwritten */
  dx: Float32Array;
  /** (C), accumulated into when given */
  dweightAccumulate?: Float32Array;
  rows: number;
  cols: number;
  weightOffset?: number;
}

/** LayerNorm: out = (x - mean) * rstd * w + b. */
export interface LayernormArgs {
  x: Float32Array;
  weight: Float32Array;
  bias: Float32Array;
  out: Float32Array;
  /** (T) */
  mean: Float32Array;
  /** (T) */
  rstd: Float32Array;
  rows: number;
  cols: number;
  eps: number;
}

export interface LayernormBackwardArgs {
  dout: Float32Array;
  x: Float32Array;
  weight: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
  /** (T, C), overwritten */
  dx: Float32Array;
  /** (C), accumulated into when given */
  dweightAccumulate?: Float32Array;
  /** (C), accumulated into when given */
  dbiasAccumulate?: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Rotary embedding, Hugging Face "rotate_half" layout: for each head, pairs (i, i + rotaryDim/2).
 * Backward is the same call with `inverse: true` (rotation by -angle).
 */
export interface RopeArgs {
  /** (T, H, D) */
  x: Float32Array;
  /** (T, H, D); may alias x */
  out: Float32Array;
  tokens: number;
  heads: number;
  headDim: number;
  /** rotated leading dims of each head (= headDim for every model here) */
  rotaryDim: number;
  /** (T) position of each row */
  positions: Int32Array;
  /** (P, rotaryDim/2) cos table indexed by position */
  cos: Float32Array;
  /** (P, rotaryDim/2) sin table */
  sin: Float32Array;
  inverse?: boolean;
}

/** Elementwise activation. */
export interface UnaryArgs {
  x: Float32Array;
  out: Float32Array;
  n: number;
}

/** dx = dout * f'(x). */
export interface UnaryBackwardArgs {
  x: Float32Array;
  dout: Float32Array;
  /** overwritten */
  dx: Float32Array;
  n: number;
}

/**
 * Cross-entropy over a block of vocabulary logits with online log-sum-exp, so the full (T, V) logits never
 * need to exist: call once per vocab chunk [vocabStart, vocabStart + cols) with the running state.
 */
export interface CrossEntropyChunkArgs {
  /** (T, cols) logits of this vocab chunk */
  logits: Float32Array;
  rows: number;
  cols: number;
  vocabStart: number;
  /** (T) target id per row; negative = ignored */
  targets: Int32Array;
  /** (T) running max, init -Infinity */
  runningMax: Float32Array;
  /** (T) running sum of exp(logit - runningMax), init 0 */
  runningSum: Float32Array;
  /** (T) target logit, written when the target falls in this chunk */
  targetLogit: Float32Array;
}

/** dlogits = (softmax(logits) - onehot(target)) * rowScale for one vocab chunk; ignored rows get 0. */
export interface CrossEntropyChunkBackwardArgs {
  logits: Float32Array;
  rows: number;
  cols: number;
  vocabStart: number;
  targets: Int32Array;
  /** (T) log-sum-exp over the whole vocab: runningMax + log(runningSum) */
  lse: Float32Array;
  /** (T) dloss/dloss_row, e.g. 1 / number of label tokens */
  rowScale: Float32Array;
  /** (T, cols), overwritten */
  dlogits: Float32Array;
}

export interface EmbeddingArgs {
  /** (T) */
  ids: Int32Array;
  /** (V, C) */
  table: Float32Array;
  /** (T, C) */
  out: Float32Array;
  tokens: number;
  dim: number;
}

export interface EmbeddingBackwardArgs {
  ids: Int32Array;
  /** (T, C) */
  dout: Float32Array;
  /** (V, C), accumulated into (scatter-add) */
  dtableAccumulate: Float32Array;
  tokens: number;
  dim: number;
}

/** One decoupled-weight-decay AdamW step (torch.optim.AdamW semantics), in place. */
export interface AdamwArgs {
  param: Float32Array;
  grad: Float32Array;
  /** first moment, in place */
  m: Float32Array;
  /** second moment, in place */
  v: Float32Array;
  /** 1-based step count after this update */
  step: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  n: number;
}

/**
 * Fused NF4/FP4 dequantize-matmul over a bitsandbytes 4-bit weight W (N, K) = (out, in), never materialized:
 * W[r, c] = code[nibble(r·K + c)] · absmax[⌊(r·K + c) / blocksize⌋], two codes per byte, first in the HIGH nibble.
 * 'forward': out (M, N) = x (M, K) · Wᵀ. 'inputGrad': out (M, K) = x (M, N) · W (x is dy). [+ out when accumulate]
 */
export interface Nf4MatmulArgs {
  /** (M, K) for 'forward'; dy (M, N) for 'inputGrad' */
  x: Float32Array;
  /** (⌈N·K / 2⌉) 4-bit code indices of W (N, K), row-major, first element in the high nibble */
  packed: Uint8Array;
  /** (⌈N·K / blocksize⌉) f32 scale of each block of the flattened W */
  absmax: Float32Array;
  /** (16) code table (NF4 or FP4 levels) */
  code: Float32Array;
  /** elements per absmax block of the flattened W (64 in bitsandbytes) */
  blocksize: number;
  /** (M, N) for 'forward'; (M, K) for 'inputGrad' */
  out: Float32Array;
  m: number;
  /** rows of W: out features */
  n: number;
  /** columns of W: in features */
  k: number;
  mode: 'forward' | 'inputGrad';
  /** add into out instead of overwriting it */
  accumulate?: boolean;
}

/** Every kernel name and its signature. Backends register any subset; the reference registers all. */
export interface KernelSignatures {
  matmul: (args: MatmulArgs) => void;
  batchedMatmul: (args: BatchedMatmulArgs) => void;
  softmax: (args: SoftmaxArgs) => void;
  softmaxBackward: (args: SoftmaxBackwardArgs) => void;
  rmsnorm: (args: RmsnormArgs) => void;
  rmsnormBackward: (args: RmsnormBackwardArgs) => void;
  layernorm: (args: LayernormArgs) => void;
  layernormBackward: (args: LayernormBackwardArgs) => void;
  rope: (args: RopeArgs) => void;
  silu: (args: UnaryArgs) => void;
  siluBackward: (args: UnaryBackwardArgs) => void;
  geluTanh: (args: UnaryArgs) => void;
  geluTanhBackward: (args: UnaryBackwardArgs) => void;
  crossEntropyChunk: (args: CrossEntropyChunkArgs) => void;
  crossEntropyChunkBackward: (args: CrossEntropyChunkBackwardArgs) => void;
  embedding: (args: EmbeddingArgs) => void;
  embeddingBackward: (args: EmbeddingBackwardArgs) => void;
  adamw: (args: AdamwArgs) => void;
  nf4Matmul: (args: Nf4MatmulArgs) => void;
}

export type KernelName = keyof KernelSignatures;

export const KERNEL_NAMES = [
  'matmul',
  'batchedMatmul',
  'softmax',
  'softmaxBackward',
  'rmsnorm',
  'rmsnormBackward',
  'layernorm',
  'layernormBackward',
  'rope',
  'silu',
  'siluBackward',
  'geluTanh',
  'geluTanhBackward',
  'crossEntropyChunk',
  'crossEntropyChunkBackward',
  'embedding',
  'embeddingBackward',
  'adamw',
  'nf4Matmul',
] as const satisfies readonly KernelName[];

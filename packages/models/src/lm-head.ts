// Output layer and loss (LlamaForCausalLM.lm_head + ForCausalLMLoss) without (M, V) logits at once: forward alone in
// vocabulary chunks with online log-sum-exp (Milakov & Gimelshein); with backward fused over tiles of rows (Liger's
// fused linear cross-entropy), each tile's loss and gradient done before the next, so nothing is recomputed.
import { kernel, type Parameter } from '@lora/core';
import { alloc } from './buffers.js';
import { gradOf } from './parameter.js';
import { buffer, type Workspace } from './workspace.js';

export interface LmHeadArgs {
  /** (M, C) final hidden states of the rows that have a target */
  hidden: Float32Array;
  rows: number;
  /** (V, C) the output embedding (tied: the input embedding) */
  weight: Parameter;
  vocab: number;
  dim: number;
  /** (M) target ids; negative = ignored */
  targets: Int32Array;
  /** logits held at once: rows × chunk (with backward: whole vocabulary rows, at least one) */
  chunk: number;
  /** also return dhidden and accumulate the weight gradient (when trainable), for d(lossScale · Σ nll) */
  backward: boolean;
  lossScale: number;
}

export interface LmHeadResult {
  /** Σ over counted rows of −log softmax(logits)[target] */
  lossSum: number;
  tokens: number;
  /** rows whose argmax (first maximum, as torch.argmax) equals the target */
  correct: number;
  /** (M, C) when backward */
  dhidden?: Float32Array;
}

/** Rows per tile: as many whole vocabulary rows as `rows × chunk` logits hold, 1 … rows. */
export function lmHeadTileRows(rows: number, vocab: number, chunk: number): number {
  const cols = Math.max(1, Math.min(chunk, vocab));
  return Math.max(1, Math.min(rows, Math.floor((rows * cols) / vocab)));
}

/** Index of the first element of row[start … start + n) equal to its maximum `max` (torch.argmax's first maximum). */
function firstIndexOf(row: Float32Array, start: number, n: number, max: number): number {
  for (let c = 0; c < n; c++) if (row[start + c] === max) return c;
  return -1;
}

/**
 * Σ nll over the rows with a target, argmax hits and, with `backward`, dhidden (in the workspace's buffer "dhidden"
 * when given) and the weight gradient. Without backward the logits are computed in vocabulary chunks of every row
 * (one pass over the weight); with it, in tiles of whole rows, each tile's loss and gradient before the next.
 */
export function lmHeadLoss(args: LmHeadArgs, ws?: Workspace): LmHeadResult {
  return args.backward ? fusedLoss(args, ws) : chunkedLoss(args, ws);
}

/** Running per-row state of the online log-sum-exp (a tile's rows, or every row). */
function rowState(temp: Workspace | undefined, like: Float32Array, rows: number) {
  const runningMax = buffer(temp, 'max', like, rows).fill(Number.NEGATIVE_INFINITY); // (rows)
  const runningSum = buffer(temp, 'sum', like, rows).fill(0); // (rows)
  const targetLogit = buffer(temp, 'target', like, rows); // (rows)
  const lse = buffer(temp, 'lse', like, rows); // (rows)
  return { runningMax, runningSum, targetLogit, lse };
}

/** Forward only: vocabulary chunks of every row, online log-sum-exp, the first maximum tracked across chunks. */
function chunkedLoss(args: LmHeadArgs, ws?: Workspace): LmHeadResult {
  const { hidden, rows: M, weight, vocab: V, dim: C, targets } = args;
  const chunk = Math.max(1, Math.min(args.chunk, V));
  const temp = ws?.temp.scope('lm-head');
  const logits = buffer(temp, 'logits', hidden, M * chunk); // (M, chunk)
  const { runningMax, runningSum, targetLogit, lse } = rowState(temp, hidden, M);
  const previousMax = buffer(temp, 'previous-max', hidden, M); // (M)
  const bestIndex = new Int32Array(M).fill(-1);
  for (let v0 = 0; v0 < V; v0 += chunk) {
    const cols = Math.min(chunk, V - v0);
    const w = weight.data.subarray(v0 * C, (v0 + cols) * C); // (cols, C)
    kernel('matmul')({ a: hidden, b: w, out: logits, m: M, n: cols, k: C, transB: true }); // (M, cols)
    previousMax.set(runningMax);
    kernel('crossEntropyChunk')({
      logits,
      rows: M,
      cols,
      vocabStart: v0,
      targets,
      runningMax,
      runningSum,
      targetLogit,
    });
    for (let r = 0; r < M; r++)
      if (runningMax[r]! > previousMax[r]!)
        bestIndex[r] = v0 + firstIndexOf(logits, r * cols, cols, runningMax[r]!);
  }
  let [lossSum, tokens, correct] = [0, 0, 0];
  for (let r = 0; r < M; r++) {
    lse[r] = runningMax[r]! + Math.log(runningSum[r]!);
    if (targets[r]! < 0) continue;
    lossSum += lse[r]! - targetLogit[r]!;
    tokens++;
    if (bestIndex[r] === targets[r]) correct++;
  }
  return { lossSum, tokens, correct };
}

/** Forward and backward: tiles of whole rows (Liger's fused linear cross-entropy), nothing recomputed. */
function fusedLoss(args: LmHeadArgs, ws?: Workspace): LmHeadResult {
  const { hidden, rows: M, weight, vocab: V, dim: C, targets, lossScale } = args;
  const tile = lmHeadTileRows(M, V, args.chunk);
  const temp = ws?.temp.scope('lm-head');
  const matmul = kernel('matmul');
  const logits = buffer(temp, 'logits', hidden, tile * V); // (tile, V)
  const dlogits = buffer(temp, 'dlogits', hidden, tile * V); // (tile, V)
  const rowScale = buffer(temp, 'scale', hidden, tile).fill(lossScale); // (tile)
  const dhidden = buffer(ws, 'dhidden', hidden, M * C); // (M, C)
  const wgrad = weight.trainable ? gradOf(weight) : undefined;
  let [lossSum, tokens, correct] = [0, 0, 0];
  for (let r0 = 0; r0 < M; r0 += tile) {
    const n = Math.min(tile, M - r0);
    const h = hidden.subarray(r0 * C, (r0 + n) * C); // (n, C)
    const t = targets.subarray(r0, r0 + n); // (n)
    matmul({ a: h, b: weight.data, out: logits, m: n, n: V, k: C, transB: true }); // (n, V)
    const { runningMax, runningSum, targetLogit, lse } = rowState(temp, hidden, n);
    kernel('crossEntropyChunk')({
      logits,
      rows: n,
      cols: V,
      vocabStart: 0,
      targets: t,
      runningMax,
      runningSum,
      targetLogit,
    });
    for (let r = 0; r < n; r++) {
      lse[r] = runningMax[r]! + Math.log(runningSum[r]!);
      if (t[r]! < 0) continue;
      lossSum += lse[r]! - targetLogit[r]!;
      tokens++;
      if (firstIndexOf(logits, r * V, V, runningMax[r]!) === t[r]) correct++;
    }
    kernel('crossEntropyChunkBackward')({
      logits,
      rows: n,
      cols: V,
      vocabStart: 0,
      targets: t,
      lse,
      rowScale,
      dlogits,
    });
    // (n, C) = (n, V) · (V, C)
    matmul({ a: dlogits, b: weight.data, out: dhidden.subarray(r0 * C, (r0 + n) * C), m: n, n: C, k: V });
    // (V, C) += (n, V)ᵀ · (n, C)
    if (wgrad) matmul({ a: dlogits, b: h, out: wgrad, m: V, n: C, k: n, transA: true, accumulate: true });
  }
  return { lossSum, tokens, correct, dhidden };
}

/** Full logits (N, V) = hidden (N, C) · Wᵀ, for evaluation and generation. */
export function lmHeadLogits(
  hidden: Float32Array,
  rows: number,
  weight: Float32Array,
  vocab: number,
  dim: number,
): Float32Array {
  const out = alloc(hidden, rows * vocab); // (N, V)
  kernel('matmul')({ a: hidden, b: weight, out, m: rows, n: vocab, k: dim, transB: true });
  return out;
}

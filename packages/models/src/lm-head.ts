// Output layer and loss (LlamaForCausalLM.lm_head + ForCausalLMLoss), chunked over the vocabulary with online
// log-sum-exp (Liger / Milakov & Gimelshein) so (T, V) logits never exist at once.
import { kernel, type Parameter } from '@lora/core';
import { alloc } from './buffers.js';
import { gradOf } from './parameter.js';

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
  /** vocabulary columns per chunk */
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

export function lmHeadLoss(args: LmHeadArgs): LmHeadResult {
  const { hidden, rows, weight, vocab: V, dim: C, targets, backward, lossScale } = args;
  const chunk = Math.max(1, Math.min(args.chunk, V));
  const matmul = kernel('matmul');
  const logits = alloc(hidden, rows * chunk); // (M, chunk)
  const chunkLogits = (v0: number, cols: number): Float32Array => {
    const out = logits.subarray(0, rows * cols); // (M, cols)
    matmul({
      a: hidden,
      b: weight.data.subarray(v0 * C, (v0 + cols) * C),
      out,
      m: rows,
      n: cols,
      k: C,
      transB: true,
    });
    return out;
  };
  const runningMax = alloc(hidden, rows).fill(Number.NEGATIVE_INFINITY); // (M)
  const runningSum = alloc(hidden, rows); // (M)
  const targetLogit = alloc(hidden, rows); // (M)
  const best = new Float64Array(rows).fill(Number.NEGATIVE_INFINITY);
  const bestIndex = new Int32Array(rows).fill(-1);
  for (let v0 = 0; v0 < V; v0 += chunk) {
    const cols = Math.min(chunk, V - v0);
    const l = chunkLogits(v0, cols);
    kernel('crossEntropyChunk')({
      logits: l,
      rows,
      cols,
      vocabStart: v0,
      targets,
      runningMax,
      runningSum,
      targetLogit,
    });
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const value = l[r * cols + c]!;
        if (value > best[r]!) [best[r], bestIndex[r]] = [value, v0 + c];
      }
    }
  }
  const lse = alloc(hidden, rows); // (M)
  let lossSum = 0;
  let tokens = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    lse[r] = runningMax[r]! + Math.log(runningSum[r]!);
    if (targets[r]! < 0) continue;
    lossSum += lse[r]! - targetLogit[r]!;
    tokens++;
    if (bestIndex[r] === targets[r]) correct++;
  }
  if (!backward) return { lossSum, tokens, correct };
  const dhidden = alloc(hidden, rows * C); // (M, C)
  const rowScale = alloc(hidden, rows).fill(lossScale); // (M)
  const dlogits = alloc(hidden, rows * chunk); // (M, chunk)
  const wgrad = weight.trainable ? gradOf(weight) : undefined;
  for (let v0 = 0; v0 < V; v0 += chunk) {
    const cols = Math.min(chunk, V - v0);
    const l = chunkLogits(v0, cols);
    const dl = dlogits.subarray(0, rows * cols); // (M, cols)
    kernel('crossEntropyChunkBackward')({
      logits: l,
      rows,
      cols,
      vocabStart: v0,
      targets,
      lse,
      rowScale,
      dlogits: dl,
    });
    // (M, C) += (M, cols) · (cols, C)
    matmul({
      a: dl,
      b: weight.data.subarray(v0 * C, (v0 + cols) * C),
      out: dhidden,
      m: rows,
      n: C,
      k: cols,
      accumulate: true,
    });
    // (cols, C) += (M, cols)ᵀ · (M, C)
    if (wgrad)
      matmul({
        a: dl,
        b: hidden,
        out: wgrad.subarray(v0 * C, (v0 + cols) * C),
        m: cols,
        n: C,
        k: rows,
        transA: true,
        accumulate: true,
      });
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

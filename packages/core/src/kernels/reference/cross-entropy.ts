// Reference chunked cross-entropy with online log-sum-exp (Milakov & Gimelshein 2018; torch F.cross_entropy, ignore_index < 0).
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength } from '../check.js';
import type { CrossEntropyChunkArgs, CrossEntropyChunkBackwardArgs } from '../types.js';

/** Check `crossEntropyChunk`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkCrossEntropyChunkArgs(args: CrossEntropyChunkArgs): void {
  const { rows, cols, vocabStart } = args;
  checkDims('crossEntropyChunk', { rows, cols, vocabStart });
  checkLength('crossEntropyChunk', 'logits (T, cols)', args.logits, rows * cols);
  for (const [label, arr] of [
    ['targets (T)', args.targets],
    ['runningMax (T)', args.runningMax],
    ['runningSum (T)', args.runningSum],
    ['targetLogit (T)', args.targetLogit],
  ] as const) {
    checkLength('crossEntropyChunk', label, arr, rows);
  }
}

/**
 * Folds one vocab chunk [vocabStart, vocabStart + cols) into each row's running max and running Σ exp(logit − max),
 * and records the target's logit when the target falls in this chunk. Rows with a negative target are folded
 * too (their loss is simply not counted), so lse is defined for every row.
 */
export function crossEntropyChunk(args: HostArgs<CrossEntropyChunkArgs>): void {
  checkCrossEntropyChunkArgs(args);
  const { logits, rows, cols, vocabStart, targets, runningMax, runningSum, targetLogit } = args;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const prevMax = runningMax[r]!;
    let max = prevMax;
    for (let c = 0; c < cols; c++) max = Math.max(max, logits[base + c]!);
    if (max !== Number.NEGATIVE_INFINITY) {
      let sum = runningSum[r]! * Math.exp(prevMax - max); // rescale the earlier chunks to the new max
      for (let c = 0; c < cols; c++) sum += Math.exp(logits[base + c]! - max);
      runningMax[r] = max;
      runningSum[r] = sum;
    }
    const local = targets[r]! - vocabStart;
    if (targets[r]! >= 0 && local >= 0 && local < cols) targetLogit[r] = logits[base + local]!;
  }
}

/** Check `crossEntropyChunkBackward`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkCrossEntropyChunkBackwardArgs(args: CrossEntropyChunkBackwardArgs): void {
  const { rows, cols, vocabStart } = args;
  checkDims('crossEntropyChunkBackward', { rows, cols, vocabStart });
  checkLength('crossEntropyChunkBackward', 'logits (T, cols)', args.logits, rows * cols);
  checkLength('crossEntropyChunkBackward', 'dlogits (T, cols)', args.dlogits, rows * cols);
  for (const [label, arr] of [
    ['targets (T)', args.targets],
    ['lse (T)', args.lse],
    ['rowScale (T)', args.rowScale],
  ] as const) {
    checkLength('crossEntropyChunkBackward', label, arr, rows);
  }
}

/** dlogits = (exp(logit − lse) − [column is the target]) · rowScale; rows with a negative target get 0. */
export function crossEntropyChunkBackward(args: HostArgs<CrossEntropyChunkBackwardArgs>): void {
  checkCrossEntropyChunkBackwardArgs(args);
  const { logits, rows, cols, vocabStart, targets, lse, rowScale, dlogits } = args;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    if (targets[r]! < 0) {
      dlogits.fill(0, base, base + cols);
      continue;
    }
    const l = lse[r]!;
    const scale = rowScale[r]!;
    const local = targets[r]! - vocabStart;
    for (let c = 0; c < cols; c++) {
      const p = Math.exp(logits[base + c]! - l);
      dlogits[base + c] = (c === local ? p - 1 : p) * scale; // (T, cols)
    }
  }
}

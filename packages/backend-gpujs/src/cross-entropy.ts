// Reference: chunked cross-entropy with online log-sum-exp (Milakov & Gimelshein 2018), torch F.cross_entropy with ignore_index < 0.

import type { HostArgs, CrossEntropyChunkArgs, CrossEntropyChunkBackwardArgs } from '@lora/core';
import { checkDims, checkLength } from '@lora/core';
import type { KernelThis, Plan } from './runner.js';
import { launch } from './runner.js';
import { head } from './upload.js';

interface ChunkConstants {
  cols: number;
}

// (lane x, row y): lane 0 the chunk's row max, lane 1 Σ exp(logit − that max)
function chunkMaxSum(this: KernelThis<ChunkConstants>, logits: Float32Array): number {
  const base = this.thread.y * this.constants.cols;
  let max = logits[base]!;
  for (let j = 1; j < this.constants.cols; j++) {
    max = Math.max(max, logits[base + j]!);
  }
  if (this.thread.x === 0) return max;
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    sum += Math.exp(logits[base + j]! - max);
  }
  return sum;
}

// (column x, row y): (softmax − onehot(target)) · rowScale; targets are exact floats, negative = ignored row
function chunkGradCell(
  this: KernelThis<ChunkConstants>,
  logits: Float32Array,
  targets: Float32Array,
  lse: Float32Array,
  rowScale: Float32Array,
  vocabStart: number,
): number {
  const row = this.thread.y;
  const target = targets[row]!;
  if (target < 0) return 0;
  const p = Math.exp(logits[row * this.constants.cols + this.thread.x]! - lse[row]!);
  let hit = 0;
  if (Math.abs(target - vocabStart - this.thread.x) < 0.5) hit = 1;
  return (p - hit) * rowScale[row]!;
}

export function* crossEntropyChunkPlan(args: HostArgs<CrossEntropyChunkArgs>): Plan {
  const { logits, rows, cols, vocabStart, targets, runningMax, runningSum, targetLogit } = args;
  checkDims('crossEntropyChunk', { rows, cols, vocabStart });
  checkLength('crossEntropyChunk', 'logits (T, cols)', logits, rows * cols);
  checkLength('crossEntropyChunk', 'targets (T)', targets, rows);
  checkLength('crossEntropyChunk', 'runningMax (T)', runningMax, rows);
  checkLength('crossEntropyChunk', 'runningSum (T)', runningSum, rows);
  checkLength('crossEntropyChunk', 'targetLogit (T)', targetLogit, rows);
  if (rows * cols === 0) return;
  const stats = new Float32Array(rows * 2); // (T, 2)
  yield launch(
    `crossEntropyChunk.stats:${rows}x${cols}`,
    () => ({ fn: chunkMaxSum, output: [2, rows], constants: { cols }, argumentTypes: { logits: 'Array' } }),
    [head(logits, rows * cols)],
    stats,
  );
  for (let r = 0; r < rows; r++) {
    const prevMax = runningMax[r]!;
    const chunkMax = stats[r * 2]!;
    const max = Math.max(prevMax, chunkMax);
    if (max !== Number.NEGATIVE_INFINITY) {
      const earlier = prevMax === Number.NEGATIVE_INFINITY ? 0 : runningSum[r]! * Math.exp(prevMax - max);
      const here = chunkMax === Number.NEGATIVE_INFINITY ? 0 : stats[r * 2 + 1]! * Math.exp(chunkMax - max);
      runningMax[r] = max;
      runningSum[r] = earlier + here;
    }
    const local = targets[r]! - vocabStart;
    if (targets[r]! >= 0 && local >= 0 && local < cols) targetLogit[r] = logits[r * cols + local]!;
  }
}

export function* crossEntropyChunkBackwardPlan(args: HostArgs<CrossEntropyChunkBackwardArgs>): Plan {
  const { logits, rows, cols, vocabStart, targets, lse, rowScale, dlogits } = args;
  checkDims('crossEntropyChunkBackward', { rows, cols, vocabStart });
  checkLength('crossEntropyChunkBackward', 'logits (T, cols)', logits, rows * cols);
  checkLength('crossEntropyChunkBackward', 'dlogits (T, cols)', dlogits, rows * cols);
  checkLength('crossEntropyChunkBackward', 'targets (T)', targets, rows);
  checkLength('crossEntropyChunkBackward', 'lse (T)', lse, rows);
  checkLength('crossEntropyChunkBackward', 'rowScale (T)', rowScale, rows);
  if (rows * cols === 0) return;
  yield launch(
    `crossEntropyChunkBackward:${rows}x${cols}`,
    () => ({
      fn: chunkGradCell,
      output: [cols, rows], // (T, cols)
      constants: { cols },
      argumentTypes: {
        logits: 'Array',
        targets: 'Array',
        lse: 'Array',
        rowScale: 'Array',
        vocabStart: 'Float',
      },
    }),
    [head(logits, rows * cols), head(targets, rows), head(lse, rows), head(rowScale, rows), vocabStart],
    dlogits,
  );
}

// Reference running argmax over vocabulary chunks and the cross-entropy totals (ForCausalLMLoss's sum of token
// losses, TRL's mean_token_accuracy counts), so a step's loss is reduced where the logits are.
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength } from '../check.js';
import type { ArgmaxChunkArgs, CrossEntropyStatsArgs } from '../types.js';

/** Check `argmaxChunk`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkArgmaxChunkArgs(args: ArgmaxChunkArgs): void {
  const { rows, cols, vocabStart } = args;
  checkDims('argmaxChunk', { rows, cols, vocabStart });
  checkLength('argmaxChunk', 'logits (T, cols)', args.logits, rows * cols);
  checkLength('argmaxChunk', 'bestValue (T)', args.bestValue, rows);
  checkLength('argmaxChunk', 'bestIndex (T)', args.bestIndex, rows);
}

/** bestIndex[r] = vocabStart + first argmax of the chunk's row, when its value is above bestValue[r]. */
export function argmaxChunk(args: HostArgs<ArgmaxChunkArgs>): void {
  checkArgmaxChunkArgs(args);
  const { logits, rows, cols, vocabStart, bestValue, bestIndex } = args;
  for (let r = 0; r < rows; r++) {
    let best = Number.NEGATIVE_INFINITY;
    let index = -1;
    for (let c = 0; c < cols; c++) {
      const v = logits[r * cols + c]!;
      if (v > best) {
        best = v;
        index = c;
      }
    }
    if (index >= 0 && best > bestValue[r]!) {
      bestValue[r] = best;
      bestIndex[r] = vocabStart + index;
    }
  }
}

/** Check `crossEntropyStats`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkCrossEntropyStatsArgs(args: CrossEntropyStatsArgs): void {
  const { rows } = args;
  checkDims('crossEntropyStats', { rows });
  for (const key of ['targets', 'runningMax', 'runningSum', 'targetLogit', 'bestIndex', 'lse'] as const)
    checkLength('crossEntropyStats', `${key} (T)`, args[key], rows);
  checkLength('crossEntropyStats', 'stats (3)', args.stats, 3);
}

/** lse = max + log(sum) per row (rounded to f32 first, as stored); then the loss, token and hit totals in float64. */
export function crossEntropyStats(args: HostArgs<CrossEntropyStatsArgs>): void {
  checkCrossEntropyStatsArgs(args);
  const { rows, targets, runningMax, runningSum, targetLogit, bestIndex, lse, stats } = args;
  let [loss, tokens, correct] = [0, 0, 0];
  for (let r = 0; r < rows; r++) {
    lse[r] = runningMax[r]! + Math.log(runningSum[r]!);
    if (targets[r]! < 0) continue;
    loss += lse[r]! - targetLogit[r]!;
    tokens++;
    if (bestIndex[r] === targets[r]) correct++;
  }
  stats[0] = stats[0]! + loss;
  stats[1] = stats[1]! + tokens;
  stats[2] = stats[2]! + correct;
}

// Train/eval split with Hugging Face `train_test_split` sizing: n_eval = ceil(ratio * n), n_train = n - n_eval.

import { DatasetError, preview } from './errors.js';
import { shuffledIndices } from '@lora/core';

/** How many examples go to evaluation: a ratio or a count. */
export interface SplitOptions {
  /** fraction of examples for eval, in (0, 1) */
  evalRatio?: number;
  /** number of examples for eval, an integer in [1, n) */
  evalSize?: number;
}

/** The train and eval sizes of a split. */
export interface SplitSizes {
  train: number;
  eval: number;
}

/**
 * How many examples go to each side, as `datasets.Dataset.train_test_split(test_size=...)` counts them:
 * a float ratio gives ceil(ratio * n) eval examples (in IEEE doubles, like Python), an integer size gives itself.
 * Neither option: everything is train. Throws when a side would be empty or both options are given.
 */
export function splitSizes(n: number, options: SplitOptions): SplitSizes {
  const { evalRatio, evalSize } = options;
  if (evalRatio !== undefined && evalSize !== undefined) {
    throw new DatasetError(`split: expected evalRatio or evalSize, got both (${evalRatio}, ${evalSize})`, {
      key: 'evalRatio',
    });
  }
  if (evalRatio === undefined && evalSize === undefined) return { train: n, eval: 0 };
  let nEval: number;
  if (evalRatio !== undefined) {
    if (typeof evalRatio !== 'number' || !(evalRatio > 0 && evalRatio < 1)) {
      throw new DatasetError(`evalRatio: expected a number in (0, 1), got ${preview(evalRatio)}`, {
        key: 'evalRatio',
      });
    }
    nEval = Math.ceil(evalRatio * n);
  } else {
    if (!Number.isInteger(evalSize) || (evalSize as number) < 1 || (evalSize as number) >= n) {
      throw new DatasetError(
        `evalSize: expected an integer in [1, ${n - 1}] for ${n} examples, got ${preview(evalSize)}`,
        {
          key: 'evalSize',
        },
      );
    }
    nEval = evalSize as number;
  }
  const nTrain = n - nEval;
  if (nTrain <= 0) {
    throw new DatasetError(
      `split: with ${n} examples and evalRatio ${evalRatio}, expected a non-empty train set, got ${nTrain} train examples`,
      { key: 'evalRatio' },
    );
  }
  return { train: nTrain, eval: nEval };
}

/** Shuffle with `seed`, then eval = the first n_eval of the permutation and train = the rest (HF's order). */
export function trainEvalSplit<T>(
  items: readonly T[],
  options: SplitOptions & { seed: number },
): { train: T[]; eval: T[] } {
  const sizes = splitSizes(items.length, options);
  const order = shuffledIndices(items.length, options.seed);
  const pick = (from: number, to: number): T[] => Array.from(order.subarray(from, to), (i) => items[i]!);
  return { eval: pick(0, sizes.eval), train: pick(sizes.eval, items.length) };
}

// Token-level accuracy of predicted ids against label ids, skipping positions labelled with the ignore index.
import { checkSameLength, MetricsError, show } from './errors.js';

/** Hugging Face's default label for positions the loss ignores (padding, prompt tokens). */
export const IGNORE_INDEX = -100;

/** Options of `tokenAccuracy` and `tokenMatches`: the label value that is not counted. */
export interface TokenAccuracyOptions {
  /** labels equal to this are not counted; default -100 */
  ignoreIndex?: number;
}

/** Correct and counted positions of a prediction against labels. */
export interface TokenMatches {
  /** counted positions where prediction === label */
  correct: number;
  /** counted positions (labels !== ignoreIndex) */
  total: number;
}

/**
 * Counts matches between `predictedIds[i]` and `labelIds[i]` over positions whose label is not `ignoreIndex`.
 * Both are flat and already aligned (for a causal LM, pass argmax(logits[:, :-1]) against labels[:, 1:]).
 * Never throws on zero counted tokens, so per-batch counts can be summed.
 */
export function tokenMatches(
  predictedIds: ArrayLike<number>,
  labelIds: ArrayLike<number>,
  options: TokenAccuracyOptions = {},
): TokenMatches {
  const ignoreIndex = options.ignoreIndex ?? IGNORE_INDEX;
  if (!Number.isInteger(ignoreIndex)) {
    throw new MetricsError(`tokenMatches ignoreIndex: expected an integer, got ${show(ignoreIndex)}`);
  }
  checkSameLength(predictedIds, 'predictedIds', labelIds, 'labelIds');
  let correct = 0;
  let total = 0;
  for (let i = 0; i < labelIds.length; i++) {
    const label = labelIds[i]!;
    if (label === ignoreIndex) continue;
    const pred = predictedIds[i]!;
    if (!Number.isInteger(label))
      throw new MetricsError(`labelIds[${i}]: expected an integer id, got ${show(label)}`);
    if (!Number.isInteger(pred))
      throw new MetricsError(`predictedIds[${i}]: expected an integer id, got ${show(pred)}`);
    total++;
    if (pred === label) correct++;
  }
  return { correct, total };
}

/**
 * Fraction of counted positions where the prediction equals the label, in [0, 1].
 * Zero-token rule (same as `PerplexityMeter`): throws `MetricsError` when every label is `ignoreIndex`.
 */
export function tokenAccuracy(
  predictedIds: ArrayLike<number>,
  labelIds: ArrayLike<number>,
  options: TokenAccuracyOptions = {},
): number {
  const { correct, total } = tokenMatches(predictedIds, labelIds, options);
  if (total === 0) {
    throw new MetricsError(
      `tokenAccuracy: expected at least one label other than ignoreIndex ${options.ignoreIndex ?? IGNORE_INDEX}, got 0 of ${labelIds.length}`,
    );
  }
  return correct / total;
}

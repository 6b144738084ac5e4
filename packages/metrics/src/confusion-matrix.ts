// Confusion matrix with rows = true label, columns = predicted label (sklearn `confusion_matrix` orientation).
import { type LabelOptions, resolveLabels } from './labels.js';

/** A confusion matrix: counts of true label (rows) by predicted label (columns). */
export interface ConfusionMatrix {
  /** row order: true labels */
  labels: string[];
  /** column order: the labels, then `unknownLabel` last when one was given */
  columns: string[];
  /** counts[i][j] = samples whose true label is labels[i] and whose prediction is columns[j] */
  counts: number[][];
  /** the extra column's name, when predictions outside the label set are counted */
  unknownLabel?: string;
}

/**
 * Counts (true, predicted) pairs. Every sample lands in exactly one cell: a prediction outside the label set goes to
 * the `unknownLabel` column when given and throws `MetricsError` otherwise; a true label outside the set throws.
 * Empty input gives a matrix of zeros over the explicit labels (or a 0×0 matrix).
 */
export function confusionMatrix(
  yTrue: readonly string[],
  yPred: readonly string[],
  options: LabelOptions = {},
): ConfusionMatrix {
  return buildConfusionMatrix(yTrue, yPred, options, 'confusionMatrix');
}

/** `confusionMatrix` with `where` naming the public function in error messages. */
export function buildConfusionMatrix(
  yTrue: readonly string[],
  yPred: readonly string[],
  options: LabelOptions,
  where: string,
): ConfusionMatrix {
  const { labels, unknownLabel, index } = resolveLabels(yTrue, yPred, options, where);
  const columns = unknownLabel === undefined ? [...labels] : [...labels, unknownLabel];
  const counts = labels.map(() => new Array<number>(columns.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const row = index.get(yTrue[i]!)!;
    const col = index.get(yPred[i]!) ?? labels.length; // unknown column (resolveLabels ensured it exists)
    counts[row]![col]! += 1;
  }
  return unknownLabel === undefined ? { labels, columns, counts } : { labels, columns, counts, unknownLabel };
}

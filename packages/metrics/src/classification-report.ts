// Precision/recall/F1/support per class with micro, macro and weighted averages, following scikit-learn's
// `precision_recall_fscore_support` and `classification_report` (>= 1.3: F1 = 2·tp / (2·tp + fp + fn)).
import { buildConfusionMatrix, type ConfusionMatrix } from './confusion-matrix.js';
import { MetricsError, show } from './errors.js';
import { compareCodePoints, type LabelOptions } from './labels.js';

/** Precision, recall, F1 and support of one class or average. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** true samples of the class (for averages: summed over the labels) */
  support: number;
}

/** The scores of one label in a classification report. */
export interface ClassReportRow extends ClassScores {
  label: string;
}

/** Options of `classificationReport`: the labels, a positive label for binary scores, the zero-division value. */
export interface ClassificationReportOptions extends LabelOptions {
  /** binary mode: also report this label's scores as `binary` (sklearn `average='binary'`, `pos_label`) */
  positiveLabel?: string;
  /**
   * value for a ratio whose denominator is 0: 0, 1 or NaN (NaN values are then left out of the averages, as sklearn
   * does). Default: sklearn's "warn" — 0, with a line in `warnings`.
   */
  zeroDivision?: number;
}

/** scikit-learn's classification report: per label, accuracy, and micro, macro and weighted averages. */
export interface ClassificationReport {
  labels: string[];
  /** one row per label, in label order */
  perClass: ClassReportRow[];
  /** fraction of all samples whose prediction equals the truth (an unknown prediction is always wrong) */
  accuracy: number;
  /** from summed tp/fp/fn over the labels; equals accuracy unless predictions fell outside the labels */
  micro: ClassScores;
  /** unweighted mean over labels */
  macro: ClassScores;
  /** mean over labels weighted by support */
  weighted: ClassScores;
  /** the positive label's scores, present when `positiveLabel` was given */
  binary?: ClassScores & { positiveLabel: string };
  confusionMatrix: ConfusionMatrix;
  sampleCount: number;
  /** predictions counted in the unknown column */
  unknownCount: number;
  /** ill-defined ratios set by the default zeroDivision (sklearn's UndefinedMetricWarning, as data) */
  warnings: string[];
}

function divide(num: number, den: number, zeroDivision: number): number {
  return den === 0 ? zeroDivision : num / den;
}

/** sklearn `_nanaverage`: NaN entries are left out; all-NaN gives NaN; weights summing to 0 fall back to a mean. */
function nanAverage(values: readonly number[], weights?: readonly number[]): number {
  let sum = 0;
  let wsum = 0;
  let plain = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const w = weights ? weights[i]! : 1;
    sum += v * w;
    wsum += w;
    plain += v;
    count++;
  }
  if (count === 0) return Number.NaN;
  return wsum === 0 ? plain / count : sum / wsum;
}

function scores(tp: number, predSum: number, trueSum: number, zeroDivision: number): ClassScores {
  return {
    precision: divide(tp, predSum, zeroDivision),
    recall: divide(tp, trueSum, zeroDivision),
    f1: divide(2 * tp, trueSum + predSum, zeroDivision),
    support: trueSum,
  };
}

function resolveBinary(options: ClassificationReportOptions, labels: string[]): string[] {
  const pos = options.positiveLabel;
  if (pos === undefined) return labels;
  if (typeof pos !== 'string') {
    throw new MetricsError(`classificationReport positiveLabel: expected a string, got ${show(pos)}`);
  }
  if (labels.length > 2) {
    throw new MetricsError(
      `classificationReport binary mode (positiveLabel ${show(pos)}): expected at most 2 labels, got ${labels.length}: ` +
        `${JSON.stringify(labels)} (omit positiveLabel for multiclass averages)`,
    );
  }
  if (labels.includes(pos)) return labels;
  if (options.labels !== undefined || labels.length === 2) {
    throw new MetricsError(
      `classificationReport positiveLabel: expected one of ${JSON.stringify(labels)}, got ${show(pos)}`,
    );
  }
  // data shows only one class (or none): the positive class simply never occurred, as sklearn allows
  return [...labels, pos].sort(compareCodePoints);
}

/**
 * sklearn-style classification report over string labels (e.g. labels parsed from generated text).
 * Throws `MetricsError` on empty input, a length mismatch (naming both lengths), a true label outside `labels`, or
 * a prediction outside `labels` when no `unknownLabel` column was asked for.
 */
export function classificationReport(
  yTrue: readonly string[],
  yPred: readonly string[],
  options: ClassificationReportOptions = {},
): ClassificationReport {
  const zeroDivision = options.zeroDivision ?? 0;
  if (!(zeroDivision === 0 || zeroDivision === 1 || Number.isNaN(zeroDivision))) {
    throw new MetricsError(
      `classificationReport zeroDivision: expected 0, 1 or NaN, got ${show(zeroDivision)}`,
    );
  }
  const first = buildConfusionMatrix(yTrue, yPred, options, 'classificationReport');
  if (yTrue.length === 0) {
    throw new MetricsError(
      'classificationReport: expected at least one sample, got 0 (yTrue and yPred are empty)',
    );
  }
  const labels = resolveBinary(options, first.labels);
  const cm =
    labels === first.labels
      ? first
      : buildConfusionMatrix(yTrue, yPred, { ...options, labels }, 'classificationReport');
  const k = labels.length;
  const tp = labels.map((_, i) => cm.counts[i]![i]!);
  const trueSum = cm.counts.map((row) => row.reduce((a, b) => a + b, 0));
  const predSum = labels.map((_, j) => cm.counts.reduce((a, row) => a + row[j]!, 0));
  const perClass = labels.map((label, i) => ({
    label,
    ...scores(tp[i]!, predSum[i]!, trueSum[i]!, zeroDivision),
  }));

  const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const support = total(trueSum);
  const average = (weights?: number[]): ClassScores => ({
    precision: nanAverage(
      perClass.map((r) => r.precision),
      weights,
    ),
    recall: nanAverage(
      perClass.map((r) => r.recall),
      weights,
    ),
    f1: nanAverage(
      perClass.map((r) => r.f1),
      weights,
    ),
    support,
  });
  const correct = total(tp);
  const unknownCount = cm.unknownLabel === undefined ? 0 : total(cm.counts.map((row) => row[k]!));

  const warnings: string[] = [];
  if (options.zeroDivision === undefined) {
    const list = (pick: (i: number) => boolean): string =>
      labels
        .filter((_, i) => pick(i))
        .map((l) => JSON.stringify(l))
        .join(', ');
    const noPred = list((i) => predSum[i] === 0);
    const noTrue = list((i) => trueSum[i] === 0);
    const neither = list((i) => predSum[i] === 0 && trueSum[i] === 0);
    if (noPred)
      warnings.push(`precision is ill-defined and set to 0 for labels with no predicted samples: ${noPred}`);
    if (noTrue)
      warnings.push(`recall is ill-defined and set to 0 for labels with no true samples: ${noTrue}`);
    if (neither)
      warnings.push(
        `F1 is ill-defined and set to 0 for labels with no true nor predicted samples: ${neither}`,
      );
  }

  const report: ClassificationReport = {
    labels,
    perClass,
    accuracy: correct / yTrue.length,
    micro: scores(correct, total(predSum), support, zeroDivision),
    macro: average(),
    weighted: average(trueSum),
    confusionMatrix: cm,
    sampleCount: yTrue.length,
    unknownCount,
    warnings,
  };
  if (options.positiveLabel !== undefined) {
    const { label: positiveLabel, ...rest } = perClass[labels.indexOf(options.positiveLabel)]!;
    report.binary = { ...rest, positiveLabel };
  }
  return report;
}

// Label sets for classification on generated text: explicit or inferred (sklearn's sorted union), plus an optional
// extra "unknown" column that counts predictions outside the label set instead of dropping them.
import { checkSameLength, checkStrings, MetricsError, show } from './errors.js';

/** Which labels a confusion matrix or report has, and the column for predictions outside them. */
export interface LabelOptions {
  /** the classes, in row/column order; default: sorted union of yTrue and yPred (sklearn `unique_labels`) */
  labels?: readonly string[];
  /**
   * name of an extra predicted-label column counting predictions outside the label set (a model that generated
   * garbage). Without it such a prediction throws. With it and no `labels`, the labels are the sorted unique yTrue.
   */
  unknownLabel?: string;
}

export interface ResolvedLabels {
  labels: string[];
  unknownLabel: string | undefined;
  /** label -> row/column index */
  index: Map<string, number>;
}

/** Code-point order, as numpy sorts unicode strings (JavaScript's `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // surrogates (U+D800–DFFF) encode code points above U+FFFF: move them above U+E000–FFFF
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareCodePoints);
}

/** Validates yTrue/yPred and resolves the label set; `where` names the calling function in messages. */
export function resolveLabels(
  yTrue: readonly string[],
  yPred: readonly string[],
  options: LabelOptions,
  where: string,
): ResolvedLabels {
  checkStrings(yTrue, `${where} yTrue`);
  checkStrings(yPred, `${where} yPred`);
  checkSameLength(yTrue, 'yTrue', yPred, 'yPred');
  const { unknownLabel } = options;
  if (unknownLabel !== undefined && typeof unknownLabel !== 'string') {
    throw new MetricsError(`${where} unknownLabel: expected a string, got ${show(unknownLabel)}`);
  }
  let labels: string[];
  if (options.labels !== undefined) {
    checkStrings(options.labels, `${where} labels`);
    if (options.labels.length === 0)
      throw new MetricsError(`${where} labels: expected at least one label, got []`);
    labels = [...options.labels];
    const seen = new Set<string>();
    for (const label of labels) {
      if (seen.has(label))
        throw new MetricsError(`${where} labels: expected unique labels, got ${show(label)} twice`);
      seen.add(label);
    }
  } else {
    labels = unknownLabel === undefined ? sortedUnique([...yTrue, ...yPred]) : sortedUnique(yTrue);
  }
  const index = new Map(labels.map((label, i) => [label, i]));
  if (unknownLabel !== undefined && index.has(unknownLabel)) {
    throw new MetricsError(
      `${where} unknownLabel: expected a name that is not a label, got ${show(unknownLabel)}`,
    );
  }
  for (let i = 0; i < yTrue.length; i++) {
    if (!index.has(yTrue[i]!)) {
      throw new MetricsError(
        `${where} yTrue[${i}]: expected one of the labels ${JSON.stringify(labels)}, got ${show(yTrue[i])}`,
      );
    }
  }
  if (unknownLabel === undefined) {
    for (let i = 0; i < yPred.length; i++) {
      if (!index.has(yPred[i]!)) {
        throw new MetricsError(
          `${where} yPred[${i}]: expected one of the labels ${JSON.stringify(labels)}, got ${show(yPred[i])} ` +
            '(pass unknownLabel to count predictions outside the label set in an extra column)',
        );
      }
    }
  }
  return { labels, unknownLabel, index };
}

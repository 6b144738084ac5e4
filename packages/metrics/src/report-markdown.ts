// Markdown renderings of classification results: the confusion matrix and an sklearn-style report table.
import type { ClassificationReport } from './classification-report.js';
import type { ConfusionMatrix } from './confusion-matrix.js';
import { MetricsError } from './errors.js';
import { markdownTable } from './markdown-table.js';

/** Options of `confusionMatrixMarkdown`. */
export interface ConfusionMatrixMarkdownOptions {
  /** top-left header cell; default 'true \\ predicted' */
  corner?: string;
}

/** The matrix as a markdown table: one row per true label, one column per predicted label (unknown column last). */
export function confusionMatrixMarkdown(
  cm: ConfusionMatrix,
  options: ConfusionMatrixMarkdownOptions = {},
): string {
  if (!cm || !Array.isArray(cm.labels) || !Array.isArray(cm.columns) || !Array.isArray(cm.counts)) {
    throw new MetricsError(
      'confusionMatrixMarkdown: expected a ConfusionMatrix { labels, columns, counts }, got something else',
    );
  }
  if (cm.counts.length !== cm.labels.length || cm.counts.some((r) => r.length !== cm.columns.length)) {
    throw new MetricsError(
      `confusionMatrixMarkdown: expected counts of shape ${cm.labels.length}×${cm.columns.length}, ` +
        `got ${cm.counts.length}×${cm.counts[0]?.length ?? 0}`,
    );
  }
  // keys are positional so that any label text (even "__proto__" or a duplicate of the corner) is safe
  const rows = cm.labels.map((label, i) => {
    const row: Record<string, unknown> = Object.create(null);
    row.c = label;
    cm.counts[i]!.forEach((n, j) => {
      row[`k${j}`] = n;
    });
    return row;
  });
  return markdownTable(rows, [
    { key: 'c', header: options.corner ?? 'true \\ predicted', align: 'left' },
    ...cm.columns.map((col, j) => ({ key: `k${j}`, header: col, align: 'right' as const })),
  ]);
}

/** The report as sklearn's `classification_report` lays it out: per-class rows, then accuracy and averages. */
export function classificationReportMarkdown(
  report: ClassificationReport,
  options: { digits?: number } = {},
): string {
  const digits = options.digits ?? 4;
  const rows: Array<Record<string, unknown>> = report.perClass.map((r) => ({ ...r }));
  rows.push({ label: 'accuracy', f1: report.accuracy, support: report.sampleCount });
  rows.push({ label: 'micro avg', ...report.micro });
  rows.push({ label: 'macro avg', ...report.macro });
  rows.push({ label: 'weighted avg', ...report.weighted });
  if (report.binary) rows.push({ label: `binary (${report.binary.positiveLabel})`, ...report.binary });
  const fixed = (v: unknown): string => (typeof v === 'number' ? v.toFixed(digits) : '');
  return markdownTable(rows, [
    { key: 'label', header: '', align: 'left' },
    { key: 'precision', format: fixed, align: 'right' },
    { key: 'recall', format: fixed, align: 'right' },
    { key: 'f1', header: 'f1-score', format: fixed, align: 'right' },
    { key: 'support', align: 'right' },
  ]);
}

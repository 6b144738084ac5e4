// report.md of a training run: setup, the loss curve (train + eval, an SVG beside it), evaluation before and after,
// the classification report, and the generations of held-out prompts before and after.
import {
  type ChartSeries,
  classificationReportMarkdown,
  confusionMatrixMarkdown,
  lineChartSvg,
  markdownTable,
} from '@lora/metrics';
import type { AnswerScore } from './answers.js';
import { formatDuration } from './progress.js';

export interface LossPoint {
  step: number;
  loss?: number;
  eval_loss?: number;
}

export interface EvalSnapshot {
  loss: number | undefined;
  perplexity: number | undefined;
  answers: AnswerScore | undefined;
}

export interface GenerationRow {
  prompt: string;
  expected: string;
  before: string;
  after: string;
}

export interface TrainingReport {
  title: string;
  setup: [string, string][];
  history: LossPoint[];
  before: EvalSnapshot;
  after: EvalSnapshot;
  generations: GenerationRow[];
  wallSeconds: number;
  notes: string[];
}

/** The loss curve: train loss per logged step, eval loss per evaluation. */
export function lossChartSvg(history: readonly LossPoint[]): string | undefined {
  const train = history.filter((h) => h.loss !== undefined).map((h): [number, number] => [h.step, h.loss!]);
  const evals = history
    .filter((h) => h.eval_loss !== undefined)
    .map((h): [number, number] => [h.step, h.eval_loss!]);
  const series: ChartSeries[] = [];
  if (train.length > 0) series.push({ name: 'train loss', points: train });
  if (evals.length > 0) series.push({ name: 'eval loss', points: evals });
  if (series.length === 0) return undefined;
  return lineChartSvg({ series, title: 'Loss', xLabel: 'optimizer step', yLabel: 'loss (nats / token)' });
}

const num = (x: number | undefined, digits = 4) =>
  x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);
const pct = (s: AnswerScore | undefined) =>
  s === undefined || s.total === 0 ? '–' : `${(100 * s.accuracy).toFixed(1)}% (${s.correct}/${s.total})`;

export function evalComparisonTable(
  before: EvalSnapshot,
  after: EvalSnapshot,
  names = ['before', 'after'],
): string {
  const rows = [
    { metric: 'eval loss', a: num(before.loss), b: num(after.loss) },
    { metric: 'perplexity', a: num(before.perplexity, 3), b: num(after.perplexity, 3) },
    { metric: 'answer accuracy (generated)', a: pct(before.answers), b: pct(after.answers) },
  ];
  if (before.answers?.report || after.answers?.report) {
    rows.push({
      metric: 'macro F1',
      a: num(before.answers?.report?.macro.f1),
      b: num(after.answers?.report?.macro.f1),
    });
  }
  return markdownTable(rows, [
    { key: 'metric', header: 'metric' },
    { key: 'a', header: names[0]!, align: 'right' },
    { key: 'b', header: names[1]!, align: 'right' },
  ]);
}

const oneLineText = (s: string, max = 80) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** The longest start every prompt shares, cut at a line or word end (a fixed instruction before the input). */
export function commonPrefix(texts: readonly string[]): string {
  if (texts.length < 2) return '';
  let prefix = texts[0]!;
  for (const t of texts) while (!t.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = Math.max(prefix.lastIndexOf('\n'), prefix.lastIndexOf(' '));
  return cut > 0 ? prefix.slice(0, cut + 1) : '';
}

export function generationsTable(rows: readonly GenerationRow[], names = ['before', 'after']): string {
  const shared = commonPrefix(rows.map((r) => r.prompt));
  const strip = shared.length >= 20 ? shared.length : 0;
  const head =
    strip > 0
      ? `Every prompt starts with “${oneLineText(shared, 120).trim()}”; the table shows the rest.\n\n`
      : '';
  return (
    head +
    markdownTable(
      rows.map((r) => ({
        prompt: oneLineText(r.prompt.slice(strip)),
        expected: oneLineText(r.expected, 40),
        before: oneLineText(r.before, 40),
        after: oneLineText(r.after, 40),
      })),
      [
        { key: 'prompt', header: 'held-out prompt' },
        { key: 'expected', header: 'expected' },
        { key: 'before', header: names[0]! },
        { key: 'after', header: names[1]! },
      ],
    )
  );
}

/** The markdown; `chartFile` is the SVG's file name next to it, when there is a chart. */
export function renderTrainingReport(report: TrainingReport, chartFile: string | undefined): string {
  const out: string[] = [`# ${report.title}`, ''];
  out.push(
    markdownTable(
      report.setup.map(([k, v]) => ({ k, v })),
      [
        { key: 'k', header: 'setting' },
        { key: 'v', header: 'value' },
      ],
    ),
    '',
  );
  out.push(`Wall time: ${formatDuration(report.wallSeconds)}.`, '');
  for (const note of report.notes) out.push(`- ${note}`);
  if (report.notes.length > 0) out.push('');
  out.push('## Loss', '');
  out.push(chartFile ? `![train and eval loss](${chartFile})` : 'No loss was logged.', '');
  out.push('## Evaluation on held-out data', '', evalComparisonTable(report.before, report.after), '');
  const after = report.after.answers?.report;
  if (after) {
    out.push('### Classification report after training', '', classificationReportMarkdown(after), '');
    out.push(
      '### Confusion matrix after training (rows: expected, columns: generated)',
      '',
      confusionMatrixMarkdown(after.confusionMatrix),
      '',
    );
  }
  if (report.generations.length > 0) {
    out.push('## Generations on held-out prompts', '', generationsTable(report.generations), '');
  }
  return `${out.join('\n')}\n`;
}

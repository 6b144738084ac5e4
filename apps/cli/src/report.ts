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

/** Rows of the answer metrics that suit the answers' kind (both snapshots score the same prompts). */
function answerRows(before: AnswerScore | undefined, after: AnswerScore | undefined) {
  const kind = after?.kind ?? before?.kind;
  if (kind === undefined) return [];
  if (kind === 'text') {
    const t = (s: AnswerScore | undefined, f: (x: NonNullable<AnswerScore['text']>) => number, d: number) =>
      num(s?.text ? f(s.text) : undefined, d);
    return [
      { metric: 'chrF (generated)', a: t(before, (x) => x.chrf, 1), b: t(after, (x) => x.chrf, 1) },
      { metric: 'BLEU', a: t(before, (x) => x.bleu, 1), b: t(after, (x) => x.bleu, 1) },
      { metric: 'ROUGE-L F', a: t(before, (x) => x.rougeL, 4), b: t(after, (x) => x.rougeL, 4) },
      { metric: 'exact match', a: pct(before), b: pct(after) },
    ];
  }
  if (kind === 'short') return [{ metric: 'exact match (generated)', a: pct(before), b: pct(after) }];
  return [
    { metric: 'accuracy (generated)', a: pct(before), b: pct(after) },
    { metric: 'macro F1', a: num(before?.report?.macro.f1), b: num(after?.report?.macro.f1) },
    { metric: 'weighted F1', a: num(before?.report?.weighted.f1), b: num(after?.report?.weighted.f1) },
  ];
}

export function evalComparisonTable(
  before: EvalSnapshot,
  after: EvalSnapshot,
  names = ['before', 'after'],
): string {
  const rows = [
    { metric: 'eval loss', a: num(before.loss), b: num(after.loss) },
    { metric: 'perplexity', a: num(before.perplexity, 3), b: num(after.perplexity, 3) },
    ...answerRows(before.answers, after.answers),
  ];
  return markdownTable(rows, [
    { key: 'metric', header: 'metric' },
    { key: 'a', header: names[0]!, align: 'right' },
    { key: 'b', header: names[1]!, align: 'right' },
  ]);
}

/** The longest start every prompt shares, cut at a line or word end (a fixed instruction before the input). */
export function commonPrefix(texts: readonly string[]): string {
  if (texts.length < 2) return '';
  let prefix = texts[0]!;
  for (const t of texts) while (!t.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = Math.max(prefix.lastIndexOf('\n'), prefix.lastIndexOf(' '));
  return cut > 0 ? prefix.slice(0, cut + 1) : '';
}

/** Texts up to this long (on one line) fit a table cell; longer ones are shown in full, one example at a time. */
const TABLE_CELL_CHARS = 60;

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Held-out prompts with the expected answer and the generations before and after, in full: a table when every
 * text is short, else one block per example (a blockquote keeps line breaks). A fixed instruction every prompt
 * starts with is said once.
 */
export function generationsTable(rows: readonly GenerationRow[], names = ['before', 'after']): string {
  const shared = commonPrefix(rows.map((r) => r.prompt));
  const strip = shared.length >= 20 ? shared.length : 0;
  const head = strip > 0 ? `Every prompt starts with “${oneLine(shared)}”; below is the rest.\n\n` : '';
  const shown = rows.map((r) => ({ ...r, prompt: r.prompt.slice(strip) }));
  const short = shown.every((r) =>
    [r.prompt, r.expected, r.before, r.after].every((t) => !t.includes('\n') && t.length <= TABLE_CELL_CHARS),
  );
  if (short) {
    return (
      head +
      markdownTable(shown, [
        { key: 'prompt', header: 'held-out prompt' },
        { key: 'expected', header: 'expected' },
        { key: 'before', header: names[0]! },
        { key: 'after', header: names[1]! },
      ])
    );
  }
  const quote = (t: string) => (t === '' ? '> (nothing)' : t.split('\n').map((l) => `> ${l}`).join('\n'));
  const blocks = shown.map((r, i) =>
    [
      `**${i + 1}.** ${quote(r.prompt).slice(2)}`,
      '',
      '*expected*',
      '',
      quote(r.expected),
      '',
      `*${names[0]}*`,
      '',
      quote(r.before),
      '',
      `*${names[1]}*`,
      '',
      quote(r.after),
    ].join('\n'),
  );
  return head + blocks.join('\n\n');
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

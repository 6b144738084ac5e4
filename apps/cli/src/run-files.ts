// The files a finished training run leaves beside its adapter: run_config.json (how it was trained),
// eval_results.json (before/after), predictions.jsonl (every held-out prompt's answers), loss.svg and report.md.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AnswerCase, normalizeAnswer, promptText } from './answers.js';
import { writeFileAtomic } from './atomic.js';
import type { Options } from './options.js';
import { type GenerationRow, type LossPoint, lossChartSvg, renderTrainingReport } from './report.js';
import { type Snapshot, snapshotJson } from './run-evaluation.js';
import { RUN_CONFIG_FILE } from './session.js';

/** Evaluation before and after training, as JSON beside the adapter. */
export const EVAL_RESULTS_FILE = 'eval_results.json';

/** One line per held-out prompt generated before and after training. */
export const PREDICTIONS_FILE = 'predictions.jsonl';

/** `{ index, prompt, expected, before, after, before_correct, after_correct }` per case, as JSON lines. */
export function predictionLines(
  cases: readonly AnswerCase[],
  before: readonly string[],
  after: readonly string[],
): string {
  return cases
    .map((c, index) => {
      const b = before[index] ?? '';
      const a = after[index] ?? '';
      const right = (answer: string) => normalizeAnswer(answer) === normalizeAnswer(c.expected);
      return JSON.stringify({
        index,
        prompt: promptText(c),
        expected: c.expected,
        before: b,
        after: a,
        before_correct: right(b),
        after_correct: right(a),
      });
    })
    .map((line) => `${line}\n`)
    .join('');
}

/** Train loss and eval loss by step from metrics.jsonl (the whole run, resumed parts included). */
export async function readHistory(outputDir: string): Promise<LossPoint[]> {
  const text = await readFile(join(outputDir, 'metrics.jsonl'), 'utf8').catch(() => '');
  const points: LossPoint[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as Record<string, number>;
      points.push({
        step: e.step!,
        ...(e.loss !== undefined && { loss: e.loss }),
        ...(e.eval_loss !== undefined && { eval_loss: e.eval_loss }),
      });
    } catch {
      // a torn line from a killed run: the trainer rewrites the file on resume
    }
  }
  return points;
}

export interface RunFiles {
  outputDir: string;
  reportPath: string;
  options: Options<object>;
  extra: Record<string, unknown>;
  title: string;
  setup: [string, string][];
  notes: string[];
  cases: readonly AnswerCase[];
  before: Snapshot;
  after: Snapshot;
  steps: number;
  wallSeconds: number;
}

export async function writeRunFiles(f: RunFiles): Promise<void> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFileAtomic(join(f.outputDir, RUN_CONFIG_FILE), json({ ...f.options.toRecord(), ...f.extra }));
  const results = {
    before: snapshotJson(f.before),
    after: snapshotJson(f.after),
    wall_seconds: f.wallSeconds,
    steps: f.steps,
  };
  await writeFileAtomic(join(f.outputDir, EVAL_RESULTS_FILE), json(results));
  if (f.cases.length > 0) {
    const lines = predictionLines(f.cases, f.before.predictions, f.after.predictions);
    await writeFileAtomic(join(f.outputDir, PREDICTIONS_FILE), lines);
  }
  const history = await readHistory(f.outputDir);
  const svg = lossChartSvg(history);
  if (svg) await writeFileAtomic(join(f.outputDir, 'loss.svg'), svg);
  const generations: GenerationRow[] = f.cases.slice(0, 8).map((c, i) => ({
    prompt: promptText(c),
    expected: c.expected,
    before: f.before.predictions[i] ?? '',
    after: f.after.predictions[i] ?? '',
  }));
  const report = renderTrainingReport(
    {
      title: f.title,
      setup: f.setup,
      history,
      before: f.before,
      after: f.after,
      generations,
      wallSeconds: f.wallSeconds,
      notes: f.notes,
    },
    svg ? 'loss.svg' : undefined,
  );
  await writeFileAtomic(f.reportPath, report);
}

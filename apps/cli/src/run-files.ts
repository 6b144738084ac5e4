// The files a finished training run leaves beside its adapter: run_config.json (how it was trained),
// eval_results.json (before/after), loss.svg and report.md.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnswerCase } from './answers.js';
import { writeFileAtomic } from './atomic.js';
import type { Options } from './options.js';
import { type GenerationRow, type LossPoint, lossChartSvg, renderTrainingReport } from './report.js';
import { type Snapshot, snapshotJson } from './run-evaluation.js';
import { RUN_CONFIG_FILE } from './session.js';

/** Evaluation before and after training, as JSON beside the adapter. */
export const EVAL_RESULTS_FILE = 'eval_results.json';

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
  options: Options;
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
  const history = await readHistory(f.outputDir);
  const svg = lossChartSvg(history);
  if (svg) await writeFileAtomic(join(f.outputDir, 'loss.svg'), svg);
  const generations: GenerationRow[] = f.cases.slice(0, 8).map((c, i) => ({
    prompt: c.prompt.map((m) => m.content).join('\n'),
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

// lora train: load the base and data (with no --model/--data, the embedded default: stories260K and the seeded
// story-questions task), QLoRA/LoRA fine-tune with the SFT trainer, and write the PEFT adapter, metrics,
// checkpoints and report.md with evaluations before and after; the summary shows a few generations of each.
import { basename, join } from 'node:path';
import { promptText } from '../answers.js';
import { applyEmbeddedDefault, defaultRunPaths } from '../default-setup.js';
import { printer, stoppedStatus } from '../io.js';
import { formatDuration } from '../progress.js';
import { runTraining, type TrainingOutcome } from '../training-run.js';
import type { TrainOptions } from '../verb-options.js';
import type { CommandContext } from '../verbs.js';

/** Held-out prompts shown on the console with their expected answer and the greedy answers before and after. */
const SHOWN_GENERATIONS = 4;

/** Up to SHOWN_GENERATIONS held-out prompts, each with `expected · before · after` (one line each, cut at 100). */
function generations(o: TrainingOutcome): string[] {
  const shown = o.cases.slice(0, SHOWN_GENERATIONS);
  if (shown.length === 0) return [];
  const line = (t: string, max = 100) => {
    const one = t.replace(/\s+/g, ' ').trim();
    return one.length > max ? `${one.slice(0, max - 1)}…` : one;
  };
  const quoted = (t: string | undefined) => JSON.stringify(line(t ?? '', 40));
  const lines = ['  held-out prompts (greedy; expected · before → after):'];
  shown.forEach((c, i) => {
    lines.push(`    ${line(promptText(c))}`);
    lines.push(
      `      ${quoted(c.expected)} · ${quoted(o.before.predictions[i])} → ${quoted(o.after.predictions[i])}`,
    );
  });
  return lines;
}

function summary(o: TrainingOutcome, embedded: boolean, cwd: string): string[] {
  const arrow = (a: string, b: string) => `${a} → ${b}`;
  const pct = (x: number | undefined) =>
    x === undefined || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)}%`;
  const fix = (x: number | undefined, d: number) => (x === undefined ? '–' : x.toFixed(d));
  const rows: [string, string][] = [];
  const answers = o.after.answers ?? o.before.answers;
  if (answers) {
    // a closed label set is scored as accuracy; free answers (a name, a word) as exact match
    const metric = answers.report ? 'accuracy' : 'exact match';
    rows.push([
      `${metric} (held-out, generated)`,
      arrow(pct(o.before.answers?.accuracy), pct(o.after.answers?.accuracy)),
    ]);
  }
  if (o.before.perplexity !== undefined || o.after.perplexity !== undefined) {
    rows.push(['perplexity (held-out)', arrow(fix(o.before.perplexity, 3), fix(o.after.perplexity, 3))]);
    rows.push(['eval loss', arrow(fix(o.before.loss, 4), fix(o.after.loss, 4))]);
  }
  const width = Math.max(0, ...rows.map(([name]) => name.length)) + 2;
  const lines = ['', 'summary', ...rows.map(([name, value]) => `  ${`${name}:`.padEnd(width)}${value}`)];
  lines.push(...generations(o));
  lines.push(`  wall time: ${formatDuration(o.wallSeconds)} (${o.steps} steps)`);
  lines.push(`  adapter: ${o.outputDir}`);
  lines.push(`  report:  ${o.reportPath}`);
  if (embedded) {
    const rel = defaultRunPaths('.').root;
    lines.push(
      '',
      `next: \`pnpm -s lora chat\` talks to the result (files in ${join(cwd, rel.replace(/^\.\//, ''))})`,
    );
  }
  return lines;
}

export async function trainCommand({ io, options }: CommandContext<TrainOptions>): Promise<number> {
  const { out } = printer(io);
  const embedded = await applyEmbeddedDefault(options, io.cwd, out);
  if (!embedded) {
    options.require('model');
    options.require('data');
    if (!options.given('output'))
      options.set('output', join(io.cwd, 'runs', `${basename(options.require('model'))}-lora`), 'default');
  }
  const outcome = await runTraining(options, io, {
    title: embedded ? 'Embedded default: story questions on stories260K with QLoRA' : undefined,
  });
  if (outcome.stopped) {
    out(
      `interrupted: checkpoint saved in ${outcome.lastCheckpoint ?? outcome.outputDir}; continue with --resume`,
    );
    return stoppedStatus(outcome.stoppedBy ?? 'SIGINT');
  }
  for (const line of summary(outcome, embedded, io.cwd)) out(line);
  return 0;
}

// lora train: load (or, with no --model/--data, create) the base and data, QLoRA/LoRA fine-tune with the SFT
// trainer, and write the PEFT adapter, metrics, checkpoints and report.md with evaluations before and after.
import { basename, join } from 'node:path';
import { printer } from '../io.js';
import { applyEmbeddedDefault, defaultRunPaths } from '../default-setup.js';
import { formatDuration } from '../progress.js';
import { runTraining, type TrainingOutcome } from '../training-run.js';
import type { CommandContext } from '../verbs.js';

function summary(o: TrainingOutcome, embedded: boolean, cwd: string): string[] {
  const arrow = (a: string, b: string) => `${a} → ${b}`;
  const pct = (x: number | undefined) =>
    x === undefined || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)}%`;
  const fix = (x: number | undefined, d: number) => (x === undefined ? '–' : x.toFixed(d));
  const lines = ['', 'summary'];
  if (o.before.answers || o.after.answers) {
    lines.push(
      `  accuracy (held-out, generated): ${arrow(pct(o.before.answers?.accuracy), pct(o.after.answers?.accuracy))}`,
    );
  }
  if (o.before.perplexity !== undefined || o.after.perplexity !== undefined) {
    lines.push(
      `  perplexity (held-out):          ${arrow(fix(o.before.perplexity, 3), fix(o.after.perplexity, 3))}`,
    );
    lines.push(`  eval loss:                      ${arrow(fix(o.before.loss, 4), fix(o.after.loss, 4))}`);
  }
  lines.push(`  wall time: ${formatDuration(o.wallSeconds)} (${o.steps} steps)`);
  lines.push(`  adapter: ${o.outputDir}`);
  lines.push(`  report:  ${o.reportPath}`);
  if (embedded) {
    const rel = defaultRunPaths('.').root;
    lines.push(
      '',
      `next: \`pnpm --filter cli start chat\` talks to the result (files in ${join(cwd, rel.replace(/^\.\//, ''))})`,
    );
  }
  return lines;
}

export async function trainCommand({ io, options }: CommandContext): Promise<number> {
  const { out } = printer(io);
  const embedded = await applyEmbeddedDefault(options, io.cwd, out);
  if (!embedded) {
    options.require('model');
    options.require('data');
    if (!options.given('output'))
      options.set('output', join(io.cwd, 'runs', `${basename(options.require('model'))}-lora`), 'default');
  }
  const outcome = await runTraining(options, io, {
    title: embedded ? 'Embedded default: topic classification with QLoRA' : undefined,
  });
  if (outcome.stopped) {
    out(
      `interrupted: checkpoint saved in ${outcome.lastCheckpoint ?? outcome.outputDir}; continue with --resume`,
    );
    return 130;
  }
  for (const line of summary(outcome, embedded, io.cwd)) out(line);
  return 0;
}

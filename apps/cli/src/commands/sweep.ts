// lora sweep: one training run per grid point (or seeded random draw) in <output>/<trial>/, then
// metrics_comparison.json and sweep_report.md comparing best eval loss, time, memory and trainable parameters.
import { join } from 'node:path';
import { markdownTable } from '@lora/metrics';
import { writeFileAtomic } from '../atomic.js';
import { renewBackends } from '../backend.js';
import { where } from '../config-file.js';
import { applyEmbeddedDefault, defaultRunPaths } from '../default-setup.js';
import { CliError, ConfigError, oneLine, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { printer } from '../io.js';
import type { Options } from '../options.js';
import { claimOutput, existingPolicy } from '../output-guard.js';
import { formatDuration } from '../progress.js';
import { parseSweep, planTrials, type SweepSpec } from '../sweep-plan.js';
import { runTraining } from '../training-run.js';
import type { SweepOptions } from '../verb-options.js';
import type { CommandContext } from '../verbs.js';

export interface TrialResult {
  name: string;
  params: Record<string, unknown>;
  status: 'ok' | 'failed';
  error?: string;
  best_eval_loss: number | null;
  final_eval_loss: number | null;
  train_loss: number | null;
  accuracy: number | null;
  wall_seconds: number | null;
  peak_memory_mb: number | null;
  predicted_memory_mb: number | null;
  trainable_params: number | null;
  tokens_per_sec: number | null;
  steps: number | null;
}

const metricOf = (r: TrialResult, metric: string) =>
  metric === 'train_loss' ? r.train_loss : r.best_eval_loss;

/** Mean of the metric for each value of each swept parameter: which knob moved the result. */
function marginals(results: TrialResult[], sweep: SweepSpec): string[] {
  const lines: string[] = [];
  for (const key of sweep.parameters.keys()) {
    const groups = new Map<string, number[]>();
    for (const r of results) {
      const m = metricOf(r, sweep.metric);
      if (r.status !== 'ok' || m === null) continue;
      const value = String(r.params[key]);
      groups.set(value, [...(groups.get(value) ?? []), m]);
    }
    if (groups.size < 2) continue;
    const means = [...groups].map(([value, ms]) => ({
      value,
      mean: ms.reduce((a, b) => a + b, 0) / ms.length,
      n: ms.length,
    }));
    means.sort((a, b) => a.mean - b.mean);
    const spread = means[means.length - 1]!.mean - means[0]!.mean;
    lines.push(
      `- **${key}**: ${means.map((m) => `${m.value} → ${m.mean.toFixed(4)} (${m.n})`).join(', ')}; best ${means[0]!.value}, spread ${spread.toFixed(4)}`,
    );
  }
  return lines;
}

export function sweepReport(results: TrialResult[], sweep: SweepSpec): string {
  const ok = results.filter((r) => r.status === 'ok' && metricOf(r, sweep.metric) !== null);
  const byMetric = [...ok].sort((a, b) => metricOf(a, sweep.metric)! - metricOf(b, sweep.metric)!);
  const best = byMetric[0];
  const fastest = [...ok].sort((a, b) => a.wall_seconds! - b.wall_seconds!)[0];
  const leanest = [...ok]
    .filter((r) => r.peak_memory_mb !== null)
    .sort((a, b) => a.peak_memory_mb! - b.peak_memory_mb!)[0];
  const smallest = [...ok].sort((a, b) => a.trainable_params! - b.trainable_params!)[0];
  const out = [`# Sweep: ${results.length} trials (${sweep.method}), ranked by ${sweep.metric}`, ''];
  const rows = [...byMetric, ...results.filter((r) => !ok.includes(r))].map((r) => ({
    trial: r.name,
    params: Object.entries(r.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
    metric: r.status === 'ok' ? metricOf(r, sweep.metric) : null,
    accuracy: r.accuracy === null ? null : `${(100 * r.accuracy).toFixed(1)}%`,
    time: r.wall_seconds === null ? null : formatDuration(r.wall_seconds),
    memory: r.peak_memory_mb,
    trainable: r.trainable_params,
    status: r.status === 'ok' ? 'ok' : `failed: ${r.error}`,
  }));
  out.push(
    markdownTable(rows, [
      { key: 'trial', header: 'trial' },
      { key: 'params', header: 'parameters' },
      { key: 'metric', header: sweep.metric, digits: 4 },
      { key: 'accuracy', header: 'accuracy', align: 'right' },
      { key: 'time', header: 'time', align: 'right' },
      { key: 'memory', header: 'peak RSS (MiB)', digits: 1 },
      { key: 'trainable', header: 'trainable params' },
      { key: 'status', header: 'status' },
    ]),
    '',
    '## Trade-offs',
    '',
  );
  if (best)
    out.push(
      `- Best ${sweep.metric}: **${best.name}** (${metricOf(best, sweep.metric)!.toFixed(4)}) in ${formatDuration(best.wall_seconds!)} with ${best.trainable_params} trainable parameters.`,
    );
  if (fastest && best && fastest !== best) {
    const cost = metricOf(fastest, sweep.metric)! - metricOf(best, sweep.metric)!;
    out.push(
      `- Fastest: ${fastest.name} (${formatDuration(fastest.wall_seconds!)}, ${(best.wall_seconds! / fastest.wall_seconds!).toFixed(2)}× quicker than the best) costs ${cost.toFixed(4)} in ${sweep.metric}.`,
    );
  }
  if (smallest && best && smallest !== best)
    out.push(
      `- Fewest trainable parameters: ${smallest.name} (${smallest.trainable_params} vs ${best.trainable_params}), ${sweep.metric} ${metricOf(smallest, sweep.metric)!.toFixed(4)}.`,
    );
  if (leanest)
    out.push(
      `- Lowest peak RSS: ${leanest.name} (${leanest.peak_memory_mb} MiB; the RSS high-water mark of the sweep process so far, so later trials never read lower than earlier ones — predicted memory per trial is in metrics_comparison.json).`,
    );
  const m = marginals(results, sweep);
  if (m.length > 0) out.push('', `Mean ${sweep.metric} by parameter value (trials):`, '', ...m);
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length > 0) out.push('', `${failed.length} trial(s) failed; see the table.`);
  out.push('', 'Timings are wall-clock on this machine and noisy when it is shared.');
  return `${out.join('\n')}\n`;
}

export async function sweepCommand({ io, opts, options }: CommandContext<SweepOptions>): Promise<number> {
  const { out } = printer(io);
  if (!options.config || opts.sweep === undefined)
    throw new UsageError('lora sweep: expected --config with a sweep: section, got none');
  const embedded = await applyEmbeddedDefault(options, io.cwd, out);
  if (embedded && !options.given('output'))
    options.set('output', join(defaultRunPaths(io.cwd).root, 'sweep'), 'default');
  const root = options.require('output');
  const claim = await claimOutput({
    verb: 'sweep',
    output: root,
    outputLabel: options.label('output'),
    inputs: (['model', 'data', 'eval_data', 'init_adapter'] as const).map(
      (k) => [options.label(k), opts[k]] as const,
    ),
    runFiles: ['metrics_comparison.json', 'sweep_report.md'],
    existing: existingPolicy(opts.overwrite, false),
    out,
  });
  try {
    return await sweepInto(root, options, io);
  } finally {
    await claim.release();
  }
}

/** The trials (each its own claimed output folder) and the comparison, into `root`. */
async function sweepInto(root: string, options: Options<SweepOptions>, io: CliIo) {
  const { out } = printer(io);
  const sweep = parseSweep(
    options.values.sweep,
    where(options.config!, 'sweep'),
    options.specs,
    options.config!.dir,
  );
  const trials = planTrials(sweep);
  out(
    `sweep: ${trials.length} trials (${sweep.method}) over ${[...sweep.parameters.keys()].join(', ')} → ${root}`,
  );
  const results: TrialResult[] = [];
  for (const [i, trial] of trials.entries()) {
    out(`\n[${i + 1}/${trials.length}] ${trial.name}`);
    const trialOptions = options.withOverrides({
      ...trial.overrides,
      output: join(root, trial.name),
      resume: false,
    });
    const empty = {
      best_eval_loss: null,
      final_eval_loss: null,
      train_loss: null,
      accuracy: null,
      wall_seconds: null,
      peak_memory_mb: null,
      predicted_memory_mb: null,
      trainable_params: null,
      tokens_per_sec: null,
      steps: null,
    };
    try {
      // each trial in a fresh backend memory: an earlier model is garbage, and goes with its memory
      await renewBackends();
      const o = await runTraining(trialOptions, io, { title: `Sweep trial ${trial.name}` });
      if (o.stopped) {
        results.push({
          name: trial.name,
          params: trial.overrides,
          status: 'failed',
          error: 'interrupted',
          ...empty,
        });
        break;
      }
      results.push({
        name: trial.name,
        params: trial.overrides,
        status: 'ok',
        best_eval_loss: o.bestEvalLoss ?? null,
        final_eval_loss: o.after.loss ?? null,
        train_loss: o.trainLoss,
        accuracy: o.after.answers?.accuracy ?? null,
        wall_seconds: o.wallSeconds,
        peak_memory_mb: o.peakMemoryMb ?? null,
        predicted_memory_mb: o.predictedMemoryBytes === undefined ? null : o.predictedMemoryBytes / 2 ** 20,
        trainable_params: o.trainableParams,
        tokens_per_sec: o.tokensPerSec ?? null,
        steps: o.steps,
      });
    } catch (error) {
      if (error instanceof ConfigError || error instanceof UsageError) throw error;
      out(`trial ${trial.name} failed: ${oneLine(error)}`);
      results.push({
        name: trial.name,
        params: trial.overrides,
        status: 'failed',
        error: oneLine(error),
        ...empty,
      });
    }
  }
  const ok = results.filter((r) => r.status === 'ok' && metricOf(r, sweep.metric) !== null);
  const best = [...ok].sort((a, b) => metricOf(a, sweep.metric)! - metricOf(b, sweep.metric)!)[0];
  const comparison = {
    method: sweep.method,
    metric: sweep.metric,
    best: best?.name ?? null,
    trials: results,
  };
  await writeFileAtomic(join(root, 'metrics_comparison.json'), `${JSON.stringify(comparison, null, 2)}\n`);
  await writeFileAtomic(join(root, 'sweep_report.md'), sweepReport(results, sweep));
  out(
    `\nbest ${sweep.metric}: ${best ? `${best.name} (${metricOf(best, sweep.metric)!.toFixed(4)})` : 'none (every trial failed)'}`,
  );
  out(`wrote ${join(root, 'metrics_comparison.json')} and ${join(root, 'sweep_report.md')}`);
  if (ok.length === 0) {
    // the one line on stderr a failed command owes: which trial failed first and why, and where the rest is
    const failed = results.filter((r) => r.status === 'failed');
    const got =
      failed.length === 0
        ? `${results.length} without one (is there an eval set for ${sweep.metric}?)`
        : `${failed.length} of ${results.length} failed, the first (${failed[0]!.name}) with: ${failed[0]!.error}`;
    throw new CliError(
      `lora sweep: expected a trial with an ${sweep.metric} value, got ${got}; see ${join(root, 'sweep_report.md')}`,
    );
  }
  return 0;
}

// One training run from resolved options (train and each sweep trial), in named steps: claim the output, resolve
// the run, load its data, plan its memory (or refuse), load the model, evaluate before, train (progress, Ctrl-C),
// evaluate after, and write the files: PEFT adapter, run_config.json, eval_results.json, metrics.jsonl,
// checkpoints, report.md + loss.svg. The steps before training are in training-setup.ts.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeIntoFolder } from '@lora/files';
import { saveAdapter } from '@lora/peft';
import {
  latestCheckpoint,
  type MetricsEntry,
  nodeStorage,
  planSteps,
  type TrainableModel,
  Trainer,
} from '@lora/sft';
import { type AnswerCase, answerCases } from './answers.js';
import { createGenerator } from './generation.js';
import { type CliIo, printer, type StopSignal } from './io.js';
import type { Options } from './options.js';
import {
  claimOutput,
  earlierRunFiles,
  existingPolicy,
  TRAINING_RESULT_FILES,
  TRAINING_RUN_FILES,
} from './output-guard.js';
import { createProgressView } from './progress.js';
import { writeRunConfig } from './run-config.js';
import { describeSnapshot, type EvalMetrics, makeEvaluator, type Snapshot } from './run-evaluation.js';
import { writeRunFiles } from './run-files.js';
import { readsBaseWeight, trainingConfig } from './trainer-options.js';
import {
  type LoadedModel,
  loadTrainable,
  loadTrainingData,
  planOrRefuse,
  type ResolvedRun,
  resolveRun,
  type TrainingData,
} from './training-setup.js';
import type { TrainOptions } from './verb-options.js';

type Out = (line: string) => void;

export interface TrainingOutcome {
  outputDir: string;
  reportPath: string;
  before: Snapshot;
  after: Snapshot;
  /** the held-out prompts generated before and after (the snapshots' predictions, in order) */
  cases: readonly AnswerCase[];
  wallSeconds: number;
  steps: number;
  stopped: boolean;
  /** the signal that stopped the run (after its checkpoint), when one did */
  stoppedBy?: StopSignal | undefined;
  lastCheckpoint: string | undefined;
  trainLoss: number;
  /** best eval loss seen during training (trainer evaluations and the final one) */
  bestEvalLoss: number | undefined;
  trainableParams: number;
  /** process RSS high-water mark (MiB): as the trainer logged it, or sampled when the run ends */
  peakMemoryMb: number | undefined;
  predictedMemoryBytes: number | undefined;
  tokensPerSec: number | undefined;
}

/**
 * Claim --output (apart from --model, --data, --eval-data and --init-adapter; locked for the run's life; an
 * earlier run there refused without --overwrite or --resume), then train into it.
 */
export async function runTraining(
  options: Options<TrainOptions>,
  io: CliIo,
  extra: { title?: string | undefined } = {},
): Promise<TrainingOutcome> {
  const opts = options.values;
  const claim = await claimOutput({
    verb: 'train',
    output: options.require('output'),
    outputLabel: options.label('output'),
    inputs: (['model', 'data', 'eval_data', 'init_adapter'] as const).map(
      (k) => [options.label(k), opts[k]] as const,
    ),
    runFiles: TRAINING_RUN_FILES,
    existing: existingPolicy(opts.overwrite, opts.resume),
    out: printer(io).out,
  });
  try {
    return await trainInto(options, io, extra);
  } finally {
    await claim.release();
  }
}

async function trainInto(
  options: Options<TrainOptions>,
  io: CliIo,
  extra: { title?: string | undefined },
): Promise<TrainingOutcome> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const { out } = printer(io);
  const run = await resolveRun(options, out);
  const data = await loadTrainingData(options, run, out);
  const memoryPlan = planOrRefuse(options, run, data, out);
  const loaded = await loadTrainable(options.values, run, out);
  const evaluation = await prepareEvaluation(options.values, run, data, loaded, out);
  const before = await evaluation.snapshot();
  if (before.loss !== undefined || before.answers) out(`before training: ${describeSnapshot(before)}`);
  const trained = await train(options, io, run, data, loaded, evaluation.trainable);
  const outcome = {
    outputDir: run.outputDir,
    reportPath: join(run.outputDir, 'report.md'),
    steps: trained.result.globalStep,
    lastCheckpoint: trained.result.lastCheckpoint,
    trainLoss: trained.result.trainLoss,
    trainableParams: loaded.trainable.count,
    peakMemoryMb: trained.peakMemoryMb ?? rssHighWaterMb(),
    predictedMemoryBytes: memoryPlan.total,
    tokensPerSec: trained.tokensPerSec,
    before,
    cases: evaluation.cases,
  };
  const { bestEvalLoss } = trained;
  if (trained.result.stopped)
    return {
      ...outcome,
      after: before,
      wallSeconds: seconds(),
      stopped: true,
      stoppedBy: trained.stoppedBy,
      bestEvalLoss,
    };
  const runExtra = await saveResult(options, run, data, loaded, trained.result.globalStep);
  // the trainer's evaluation of the last step, when it made one, is the final loss: not computed twice
  const after = await evaluation.snapshot(trained.finalEval);
  out(`after training: ${describeSnapshot(after)}`);
  const best =
    after.loss === undefined ? bestEvalLoss : Math.min(bestEvalLoss ?? Number.POSITIVE_INFINITY, after.loss);
  const wallSeconds = seconds();
  await writeReport(options, run, data, loaded, { ...extra, runExtra, before, after, wallSeconds }, outcome);
  return { ...outcome, after, wallSeconds, stopped: false, bestEvalLoss: best };
}

/** The model as the trainer and the evaluator see it, the held-out prompts, and the snapshot function. */
interface Evaluation {
  trainable: TrainableModel;
  cases: AnswerCase[];
  snapshot: (known?: EvalMetrics) => Promise<Snapshot>;
}

/** The held-out prompts (--eval-prompts of them, when the data has prompt/answer pairs) and the evaluator. */
async function prepareEvaluation(
  opts: TrainOptions,
  run: ResolvedRun,
  data: TrainingData,
  { model, lora }: LoadedModel,
  out: Out,
): Promise<Evaluation> {
  const trainable: TrainableModel = {
    stepInto: (batch, o, stats) => model.stepInto(batch, o, stats),
    parameters: () => lora.parameters(),
  };
  const { splits, completionTemplates } = data;
  const { tokenizer } = run;
  const cases = answerCases(splits.eval, undefined, completionTemplates, tokenizer.eosToken).slice(
    0,
    opts.eval_prompts,
  );
  if (cases.length === 0 && opts.eval_prompts > 0 && splits.eval.length > 0) {
    out(
      `note: ${
        splits.format === 'text'
          ? 'eval_prompts: text data has no prompt/answer split without --response-template, so nothing is generated before and after'
          : `eval_prompts: ${splits.format} data has no prompt/answer pairs, so nothing is generated before and after`
      }`,
    );
  }
  const generator = await createGenerator(model, tokenizer, run.format, run.modelDir);
  const snapshot = makeEvaluator(trainable, data.evalExamples, cases, generator, {
    batchSize: opts.batch_size,
    padTokenId: padTokenOf(run),
    maxNewTokens: opts.max_new_tokens,
  });
  return { trainable, cases, snapshot };
}

const padTokenOf = ({ tokenizer }: ResolvedRun) => tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0;

/** Evaluations per run when --eval-steps is unset: about this many, none more often than every 10 steps. */
const EVALUATIONS_PER_RUN = 5;

/** --eval-steps, else about EVALUATIONS_PER_RUN a run (a 4-step trial evaluates at its end); none without eval data. */
export function evalStepsFor(
  given: number | undefined,
  maxSteps: number,
  hasEvalData: boolean,
): number | undefined {
  if (given !== undefined) return given;
  if (!hasEvalData) return undefined;
  return Math.max(Math.ceil(maxSteps / EVALUATIONS_PER_RUN), Math.min(10, maxSteps));
}

interface Trained {
  result: Awaited<ReturnType<Trainer['train']>>;
  bestEvalLoss: number | undefined;
  peakMemoryMb: number | undefined;
  tokensPerSec: number | undefined;
  /** the trainer's evaluation at the run's last step, when its cadence made one */
  finalEval: EvalMetrics | undefined;
  stoppedBy: StopSignal | undefined;
}

/** The SFT trainer over the run's data, with the progress view, eval lines, checkpoints and Ctrl-C. */
async function train(
  options: Options<TrainOptions>,
  io: CliIo,
  run: ResolvedRun,
  data: TrainingData,
  { lora }: LoadedModel,
  trainable: TrainableModel,
): Promise<Trained> {
  const opts = options.values;
  const { out } = printer(io);
  const { trainExamples, evalExamples } = data;
  const plan = planSteps({
    numExamples: trainExamples.length,
    batchSize: opts.batch_size,
    gradientAccumulationSteps: opts.grad_accum,
    epochs: opts.epochs,
    maxSteps: opts.max_steps ?? -1,
  });
  const evalSteps = evalStepsFor(opts.eval_steps, plan.maxSteps, evalExamples.length > 0);
  const view = createProgressView(io, opts.logging_steps);
  const evals: MetricsEntry[] = [];
  let peakMemoryMb: number | undefined;
  let tokensPerSec: number | undefined;
  const trainer = new Trainer({
    model: trainable,
    trainDataset: trainExamples,
    ...(evalExamples.length > 0 && { evalDataset: evalExamples }),
    config: trainingConfig(opts, { padTokenId: padTokenOf(run), evalSteps }),
    storage: await nodeStorage(run.outputDir),
    saveAdapter: async (folder) => {
      const dir = folder.localPath!; // nodeStorage: the checkpoint folder being assembled on disk
      await saveAdapter(dir, lora, { baseModelNameOrPath: run.modelDir });
      await writeRunConfig(dir, { ...options.toRecord(), ...data.derived });
    },
    onProgress: (e) => {
      tokensPerSec = e.tokensPerSec;
      view.update(e);
    },
    onLog: (entry) => {
      if (typeof entry.peak_memory_mb === 'number') peakMemoryMb = entry.peak_memory_mb;
      if (typeof entry.eval_loss !== 'number') return;
      evals.push(entry);
      view.note(
        `eval at step ${entry.step}: loss ${entry.eval_loss.toFixed(4)}, perplexity ${Number(entry.eval_perplexity).toFixed(3)}`,
      );
    },
  });
  await prepareOutput(opts.resume, run.outputDir, out);
  out(
    `training: ${trainer.plan.maxSteps} steps (${trainExamples.length} examples, batch ${opts.batch_size} × ${opts.grad_accum} accumulation) → ${run.outputDir}`,
  );
  let stoppedBy: StopSignal | undefined;
  const unsubscribe = io.onInterrupt?.((signal) => {
    stoppedBy ??= signal;
    trainer.requestStop();
  });
  let result: Trained['result'];
  try {
    result = await trainer.train();
  } finally {
    unsubscribe?.();
    view.stop();
  }
  const losses = evals.map((e) => Number(e.eval_loss));
  const bestEvalLoss = losses.length > 0 ? Math.min(...losses) : undefined;
  return {
    result,
    bestEvalLoss,
    peakMemoryMb,
    tokensPerSec,
    finalEval: finalEvaluation(evals, result.globalStep),
    stoppedBy,
  };
}

/** The trainer's evaluation logged at `step` (the run's last), as the evaluator's metrics; undefined if none. */
export function finalEvaluation(evals: readonly MetricsEntry[], step: number): EvalMetrics | undefined {
  const last = [...evals].reverse().find((e) => e.step === step);
  if (last === undefined || typeof last.eval_loss !== 'number') return undefined;
  return { loss: last.eval_loss, perplexity: Number(last.eval_perplexity) };
}

/** The process's RSS high-water mark in MiB (a run too short to log one still reports its memory). */
function rssHighWaterMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10; // KiB → MiB
}

/**
 * With --resume, say where the run continues; the adapter and report of an earlier completion go, as they are
 * written again when this run ends (a run killed now must not leave them looking like its own).
 */
async function prepareOutput(resume: boolean, outputDir: string, out: Out): Promise<void> {
  if (!resume) return;
  const latest = await latestCheckpoint(await nodeStorage(outputDir));
  out(latest ? `resuming from ${latest}` : `--resume: no complete checkpoint in ${outputDir}`);
  if (latest === undefined) return;
  for (const name of await earlierRunFiles(outputDir, TRAINING_RESULT_FILES))
    await rm(join(outputDir, name), { force: true });
}

/** The adapter and its run_config.json, moved in together once both are written; returns run_config's extras. */
async function saveResult(
  options: Options<TrainOptions>,
  run: ResolvedRun,
  data: TrainingData,
  { lora, trainable }: LoadedModel,
  steps: number,
): Promise<Record<string, unknown>> {
  const runExtra = {
    ...data.derived,
    architecture: run.modelConfig.architecture,
    trainable_params: trainable.count,
    steps,
  };
  await writeIntoFolder(
    run.outputDir,
    async (dir) => {
      // a PiSSA/OLoRA adapter was trained on a residual base: saved as the plain LoRA of the original base that
      // computes the same (PEFT's path_initial_model_for_weight_conversion), so eval, chat and merge load it as any
      await saveAdapter(dir, lora, {
        baseModelNameOrPath: run.modelDir,
        convertToLora: readsBaseWeight(options.values.init_lora_weights),
      });
      await writeRunConfig(dir, { ...options.toRecord(), ...runExtra });
    },
    { last: ['adapter_config.json', 'run_config.json'] },
  );
  return runExtra;
}

/** report.md, loss.svg, eval_results.json and run_config.json of a finished run. */
async function writeReport(
  options: Options<TrainOptions>,
  run: ResolvedRun,
  data: TrainingData,
  { lora, trainable, quantText }: LoadedModel,
  r: {
    title?: string | undefined;
    runExtra: Record<string, unknown>;
    before: Snapshot;
    after: Snapshot;
    wallSeconds: number;
  },
  outcome: { reportPath: string; steps: number; cases: readonly AnswerCase[] },
): Promise<void> {
  const opts = options.values;
  const { modelDir, modelConfig: c } = run;
  const { splits, completionTemplates } = data;
  const flags = `${opts.use_dora ? ', DoRA' : ''}${opts.use_rslora ? ', rsLoRA' : ''}`;
  const lr = `AdamW lr ${opts.lr} (${opts.lr_scheduler})`;
  const chatFormat = !data.templated
    ? `none (${splits.format} data${completionTemplates ? `, trained after ${JSON.stringify(completionTemplates.response)}` : ''})`
    : run.format.name === 'chat_template'
      ? "the model's own chat_template (jinja)"
      : run.format.name;
  await writeRunFiles({
    outputDir: run.outputDir,
    reportPath: outcome.reportPath,
    options,
    extra: r.runExtra,
    title: r.title ?? `Fine-tune of ${modelDir}`,
    setup: [
      ['base model', `${modelDir} (${c.architecture})`],
      ['quantization', quantText],
      [
        'adapter',
        `LoRA r=${lora.config.r}, alpha=${lora.config.lora_alpha}, targets ${String(lora.config.target_modules)}${flags}`,
      ],
      ['trainable parameters', trainable.line],
      ['data', `${run.dataPath}: ${data.trainKept} train examples, ${data.evalExamples.length} held out`],
      ['chat format', chatFormat],
      ['optimizer', `${lr}, batch ${opts.batch_size} × ${opts.grad_accum}, ${outcome.steps} steps`],
    ],
    notes: run.notes,
    cases: outcome.cases,
    before: r.before,
    after: r.after,
    steps: outcome.steps,
    wallSeconds: r.wallSeconds,
  });
}

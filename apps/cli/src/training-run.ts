// One training run from resolved options (train and each sweep trial): backend, tokenizer, data, base model
// (4-bit or dense), LoRA, evaluation before, the SFT trainer with progress and Ctrl-C, evaluation after, and the
// files: PEFT adapter, run_config.json, eval_results.json, metrics.jsonl, checkpoints, report.md + loss.svg.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeIntoFolder } from '@lora/files';
import { readModelConfig } from '@lora/models';
import { type LoraModel, loadAdapter, saveAdapter } from '@lora/peft';
import {
  formatBytes,
  largestParts,
  latestCheckpoint,
  nodeStorage,
  planSteps,
  type TrainableModel,
  Trainer,
} from '@lora/sft';
import { type AnswerCase, answerCases } from './answers.js';
import { moveToBackend, selectBackend } from './backend.js';
import { sourceOptions } from './data-source.js';
import { UsageError } from './errors.js';
import { createGenerator } from './generation.js';
import { type CliIo, printer } from './io.js';
import type { Options } from './options.js';
import {
  claimOutput,
  earlierRunFiles,
  existingPolicy,
  TRAINING_RESULT_FILES,
  TRAINING_RUN_FILES,
} from './output-guard.js';
import { createProgressView } from './progress.js';
import { checkResumeSettings, derivedRunConfig } from './resume-check.js';
import { writeRunConfig } from './run-config.js';
import { describeSnapshot, makeEvaluator, type Snapshot } from './run-evaluation.js';
import { writeRunFiles } from './run-files.js';
import { loadModel, loadTokenizer, type QuantChoice, requireModelDir, resolveChatFormat } from './session.js';
import { memoryLimit, planRun, refuseOverLimit } from './run-memory.js';
import { injectFromOptions, trainingConfig } from './trainer-options.js';
import { completionTemplatesFrom, describeStats, loadSplits, pack, tokenizeSplit } from './training-data.js';

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
  lastCheckpoint: string | undefined;
  trainLoss: number;
  /** best eval loss seen during training (trainer evaluations and the final one) */
  bestEvalLoss: number | undefined;
  trainableParams: number;
  /** process RSS high-water mark (MiB) as the trainer logged it */
  peakMemoryMb: number | undefined;
  predictedMemoryBytes: number | undefined;
  tokensPerSec: number | undefined;
}

/**
 * With --resume, say where the run continues; the adapter and report of an earlier completion go, as they are
 * written again when this run ends (a run killed now must not leave them looking like its own).
 */
async function prepareOutput(
  options: Options,
  outputDir: string,
  out: (line: string) => void,
): Promise<void> {
  if (!options.bool('resume')) return;
  const latest = await latestCheckpoint(await nodeStorage(outputDir));
  out(latest ? `resuming from ${latest}` : `--resume: no complete checkpoint in ${outputDir}`);
  if (latest === undefined) return;
  for (const name of await earlierRunFiles(outputDir, TRAINING_RESULT_FILES))
    await rm(join(outputDir, name), { force: true });
}

/**
 * Claim --output (apart from --model, --data, --eval-data and --init-adapter; locked for the run's life; an
 * earlier run there refused without --overwrite or --resume), then train into it.
 */
export async function runTraining(
  options: Options,
  io: CliIo,
  extra: { title?: string | undefined } = {},
): Promise<TrainingOutcome> {
  const input = (key: string) => [options.label(key), options.string(key)] as const;
  const claim = await claimOutput({
    verb: 'train',
    output: options.require('output'),
    outputLabel: options.label('output'),
    inputs: [input('model'), input('data'), input('eval_data'), input('init_adapter')],
    runFiles: TRAINING_RUN_FILES,
    existing: existingPolicy(options.bool('overwrite'), options.bool('resume')),
    out: printer(io).out,
  });
  try {
    return await trainInto(options, io, extra);
  } finally {
    await claim.release();
  }
}

async function trainInto(
  options: Options,
  io: CliIo,
  extra: { title?: string | undefined },
): Promise<TrainingOutcome> {
  const started = performance.now();
  const { out } = printer(io);
  out(await selectBackend(options.string('backend')));
  const modelDir = options.require('model');
  const outputDir = options.require('output');
  const dataPath = options.require('data');
  requireModelDir(modelDir);
  const modelConfig = await readModelConfig(modelDir);
  const notes: string[] = [];
  const tokenizer = await loadTokenizer(modelDir, notes);
  const formatNotes: string[] = []; // said only when the data is rendered with the format
  const format = resolveChatFormat(options.string('chat_template'), tokenizer, formatNotes);
  let maxLength = options.number('max_length')!;
  if (maxLength > modelConfig.maxPositions) {
    notes.push(
      `--max-length ${maxLength} is above the model's ${modelConfig.maxPositions} positions: using ${modelConfig.maxPositions}`,
    );
    maxLength = modelConfig.maxPositions;
  }

  // data
  const splits = await loadSplits({
    data: dataPath,
    evalData: options.string('eval_data'),
    evalSplit: options.number('eval_split'),
    seed: options.number('seed')!,
    source: sourceOptions(options),
    maxSamples: options.number('max_samples'),
  });
  const templated = splits.format !== 'text' && splits.format !== 'tokenized';
  if (templated) notes.push(...formatNotes);
  for (const note of notes) out(`note: ${note}`);
  const completionTemplates = completionTemplatesFrom(options);
  if (completionTemplates !== undefined && splits.format !== 'text') {
    throw new UsageError(
      `${options.label('response_template')}: expected text data ({"text": …} records), got ${splits.format} data, whose answers the chat format already marks; drop the option`,
    );
  }
  const settings = { format, maxLength, completionOnly: options.bool('completion_only'), completionTemplates };
  const train = tokenizeSplit(splits.train, tokenizer, settings);
  const formatWords = templated ? `${format.name} format` : 'no chat template';
  out(describeStats(`train (${splits.format} data, ${formatWords})`, train.stats));
  const held = splits.eval.length > 0 ? tokenizeSplit(splits.eval, tokenizer, settings) : undefined;
  // the run's settings (checkpoints carry them; --resume refuses a change unless --allow-changes)
  const derived = await derivedRunConfig(options, format.name);
  await checkResumeSettings(options, outputDir, { ...options.toRecord(), ...derived }, out);
  if (held) out(describeStats('eval', held.stats));
  let trainExamples = train.examples;
  if (options.bool('packing')) {
    const packed = pack(trainExamples, maxLength);
    trainExamples = packed.examples;
    out(packed.line);
  }
  if (trainExamples.length === 0) {
    throw new UsageError(
      `--data ${dataPath}: expected examples left after tokenization, got none (see the skip reasons above)`,
    );
  }
  const evalExamples = held?.examples ?? [];
  if (options.given('eval_steps') && evalExamples.length === 0) {
    throw new UsageError(
      `${options.label('eval_steps')}: expected --eval-data or --eval-split to evaluate on, got neither`,
    );
  }

  // memory: a plan above what the run may use is refused here, before any weight loads
  const memoryPlan = planRun(modelConfig, options, Math.max(...trainExamples.map((e) => e.inputIds.length)));
  const limit = memoryLimit(options);
  refuseOverLimit('train', memoryPlan, limit);
  const largest = largestParts(memoryPlan, 3).map(([part, bytes]) => `${part} ${formatBytes(bytes)}`);
  out(
    `memory plan: ${formatBytes(memoryPlan.total)} at peak, within the ${formatBytes(limit.bytes)} this run may use (${limit.source}); largest parts: ${largest.join(', ')}`,
  );

  // model and adapter
  const quant = options.string('quant') as QuantChoice;
  const model = await loadModel(modelDir, quant, options.bool('double_quant'));
  const initAdapter = options.string('init_adapter');
  let lora: LoraModel;
  if (initAdapter !== undefined) {
    // saved adapters say inference_mode: true; PEFT's is_trainable loads them for further training
    lora = await loadAdapter(initAdapter, model, { isTrainable: true });
  } else lora = injectFromOptions(model, options, modelDir);
  await moveToBackend(model); // after the adapter exists, so it moves too; before the trainer packs its parameters
  const count = lora.trainableParameterCount();
  const quantText =
    quant === 'none'
      ? 'dense f32 base'
      : `${quant.toUpperCase()}${options.bool('double_quant') ? ' + double quant' : ''} 4-bit base`;
  const c = modelConfig;
  out(`model: ${c.architecture}, ${c.numLayers} layers, hidden ${c.hiddenSize}; ${quantText}; ${count.line}`);
  if (initAdapter !== undefined) out(`note: started from the adapter in ${initAdapter}`);

  // evaluation before
  const trainable: TrainableModel = {
    stepInto: (batch, o, stats) => model.stepInto(batch, o, stats),
    parameters: () => lora.parameters(),
  };
  const padTokenId = tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0;
  const batchSize = options.number('batch_size')!;
  const cases = answerCases(splits.eval, undefined, completionTemplates, tokenizer.eosToken).slice(
    0,
    options.number('eval_prompts') ?? 0,
  );
  if (cases.length === 0 && (options.number('eval_prompts') ?? 0) > 0 && splits.eval.length > 0) {
    out(
      `note: ${
        splits.format === 'text'
        ? 'eval_prompts: text data has no prompt/answer split without --response-template, so nothing is generated before and after'
          : `eval_prompts: ${splits.format} data has no prompt/answer pairs, so nothing is generated before and after`
      }`,
    );
  }
  const generator = await createGenerator(model, tokenizer, format, modelDir);
  const snapshot = makeEvaluator(trainable, evalExamples, cases, generator, {
    batchSize,
    padTokenId,
    maxNewTokens: options.number('max_new_tokens')!,
  });
  const before = await snapshot();
  if (before.loss !== undefined || before.answers) out(`before training: ${describeSnapshot(before)}`);

  // training
  const plan = planSteps({
    numExamples: trainExamples.length,
    batchSize,
    gradientAccumulationSteps: options.number('grad_accum')!,
    epochs: options.number('epochs')!,
    maxSteps: options.number('max_steps') ?? -1,
  });
  // unset: about 5 evaluations a run, none more often than every 10 steps (a 4-step trial evaluates at its end)
  const evalSteps =
    options.number('eval_steps') ??
    (evalExamples.length > 0
      ? Math.max(Math.ceil(plan.maxSteps / 5), Math.min(10, plan.maxSteps))
      : undefined);
  const view = createProgressView(io, options.number('logging_steps')!);
  let bestEvalLoss: number | undefined;
  let peakMemoryMb: number | undefined;
  let tokensPerSec: number | undefined;
  const saveTo = (dir: string) => saveAdapter(dir, lora, { baseModelNameOrPath: modelDir });
  const trainer = new Trainer({
    model: trainable,
    trainDataset: trainExamples,
    ...(evalExamples.length > 0 && { evalDataset: evalExamples }),
    config: trainingConfig(options, { padTokenId, evalSteps }),
    storage: await nodeStorage(outputDir),
    saveAdapter: async (folder) => {
      const dir = folder.localPath!; // nodeStorage: the checkpoint folder being assembled on disk
      await saveTo(dir);
      await writeRunConfig(dir, { ...options.toRecord(), ...derived });
    },
    onProgress: (e) => {
      tokensPerSec = e.tokensPerSec;
      view.update(e);
    },
    onLog: (entry) => {
      if (typeof entry.peak_memory_mb === 'number') peakMemoryMb = entry.peak_memory_mb;
      if (typeof entry.eval_loss === 'number') {
        bestEvalLoss = Math.min(bestEvalLoss ?? Number.POSITIVE_INFINITY, entry.eval_loss);
        view.note(
          `eval at step ${entry.step}: loss ${entry.eval_loss.toFixed(4)}, perplexity ${Number(entry.eval_perplexity).toFixed(3)}`,
        );
      }
    },
  });
  await prepareOutput(options, outputDir, out);
  const accumulation = options.number('grad_accum');
  out(
    `training: ${trainer.plan.maxSteps} steps (${trainExamples.length} examples, batch ${batchSize} × ${accumulation} accumulation) → ${outputDir}`,
  );
  const unsubscribe = io.onInterrupt?.(() => trainer.requestStop());
  let result: Awaited<ReturnType<Trainer['train']>>;
  try {
    result = await trainer.train();
  } finally {
    unsubscribe?.();
    view.stop();
  }
  const outcome = {
    outputDir,
    reportPath: join(outputDir, 'report.md'),
    steps: result.globalStep,
    lastCheckpoint: result.lastCheckpoint,
    trainLoss: result.trainLoss,
    trainableParams: count.trainable,
    peakMemoryMb,
    predictedMemoryBytes: memoryPlan.total,
    tokensPerSec,
    before,
    cases,
  };
  if (result.stopped) {
    return {
      ...outcome,
      after: before,
      wallSeconds: (performance.now() - started) / 1000,
      stopped: true,
      bestEvalLoss,
    };
  }

  // the adapter and its run_config.json (moved in together once both are written), evaluation after, the files
  const runExtra = {
    ...derived,
    architecture: c.architecture,
    trainable_params: count.trainable,
    steps: result.globalStep,
  };
  await writeIntoFolder(
    outputDir,
    async (dir) => {
      await saveTo(dir);
      await writeRunConfig(dir, { ...options.toRecord(), ...runExtra });
    },
    { last: ['adapter_config.json', 'run_config.json'] },
  );
  const after = await snapshot();
  if (after.loss !== undefined) bestEvalLoss = Math.min(bestEvalLoss ?? Number.POSITIVE_INFINITY, after.loss);
  out(`after training: ${describeSnapshot(after)}`);
  const wallSeconds = (performance.now() - started) / 1000;
  const flags = `${options.bool('use_dora') ? ', DoRA' : ''}${options.bool('use_rslora') ? ', rsLoRA' : ''}`;
  const lr = `AdamW lr ${options.number('lr')} (${options.string('lr_scheduler')})`;
  await writeRunFiles({
    outputDir,
    reportPath: outcome.reportPath,
    options,
    extra: runExtra,
    title: extra.title ?? `Fine-tune of ${modelDir}`,
    setup: [
      ['base model', `${modelDir} (${c.architecture})`],
      ['quantization', quantText],
      [
        'adapter',
        `LoRA r=${lora.config.r}, alpha=${lora.config.lora_alpha}, targets ${String(lora.config.target_modules)}${flags}`,
      ],
      ['trainable parameters', count.line],
      ['data', `${dataPath}: ${train.stats.kept} train examples, ${evalExamples.length} held out`],
      [
        'chat format',
        !templated
          ? `none (${splits.format} data${completionTemplates ? `, trained after ${JSON.stringify(completionTemplates.response)}` : ''})`
          : format.name === 'chat_template'
            ? "the model's own chat_template (jinja)"
            : format.name,
      ],
      ['optimizer', `${lr}, batch ${batchSize} × ${accumulation}, ${result.globalStep} steps`],
    ],
    notes,
    cases,
    before,
    after,
    steps: result.globalStep,
    wallSeconds,
  });
  return { ...outcome, after, wallSeconds, stopped: false, bestEvalLoss };
}

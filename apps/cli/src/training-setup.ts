// The steps of a training run before the trainer starts, each reading the run's typed options: resolve the run
// (backend, model config, tokenizer, chat format, length), load and tokenize its data, plan its memory (refusing a
// run that will not fit before any weight loads), and load the base with its adapter.
import type { ChatFormat } from '@lora/chatml';
import { deviceMemory } from '@lora/core';
import type { CompletionTemplates, TokenizedExample } from '@lora/datasets';
import { type CausalLM, type ModelConfig, readModelConfig } from '@lora/models';
import { type LoraModel, loadAdapter } from '@lora/peft';
import { formatBytes, largestParts, type MemoryPlan } from '@lora/sft';
import type { Tokenizer } from '@lora/tokenize';
import { loadMemory, moveToBackend, selectBackend } from './backend.js';
import { sourceOptions } from './data-source.js';
import { UsageError } from './errors.js';
import type { Options } from './options.js';
import { checkResumeSettings, derivedRunConfig } from './resume-check.js';
import type { RunConfig } from './run-config.js';
import { memoryLimit, planRun, refuseOverLimit } from './run-memory.js';
import { loadModel, loadTokenizer, requireModelDir, resolveChatFormat } from './session.js';
import { injectFromOptions } from './trainer-options.js';
import {
  completionTemplatesFrom,
  describeStats,
  loadSplits,
  pack,
  type RawSplits,
  tokenizeSplit,
} from './training-data.js';
import type { TrainOptions } from './verb-options.js';

type Out = (line: string) => void;

/** What the run is: its folders, the model's config, tokenizer and chat format, and the length it trains at. */
export interface ResolvedRun {
  modelDir: string;
  outputDir: string;
  dataPath: string;
  modelConfig: ModelConfig;
  tokenizer: Tokenizer;
  format: ChatFormat;
  /** the chat format's notes, said only when the data is rendered with it */
  formatNotes: string[];
  /** --max-length, capped at the model's positions */
  maxLength: number;
  notes: string[];
}

/** Backend, model config, tokenizer, chat format and length (capped at the model's positions, with a note). */
export async function resolveRun(options: Options<TrainOptions>, out: Out): Promise<ResolvedRun> {
  const opts = options.values;
  out(await selectBackend(opts.backend));
  const modelDir = options.require('model');
  requireModelDir(modelDir);
  const modelConfig = await readModelConfig(modelDir);
  const notes: string[] = [];
  const tokenizer = await loadTokenizer(modelDir, notes);
  const formatNotes: string[] = [];
  const format = resolveChatFormat(opts.chat_template, tokenizer, formatNotes);
  let maxLength = opts.max_length;
  if (maxLength > modelConfig.maxPositions) {
    notes.push(
      `--max-length ${maxLength} is above the model's ${modelConfig.maxPositions} positions: using ${modelConfig.maxPositions}`,
    );
    maxLength = modelConfig.maxPositions;
  }
  const dirs = { modelDir, outputDir: options.require('output'), dataPath: options.require('data') };
  return { ...dirs, modelConfig, tokenizer, format, formatNotes, maxLength, notes };
}

/** The run's data, split, tokenized (and packed), with what the checkpoints record of it. */
export interface TrainingData {
  splits: RawSplits;
  /** rendered with the chat format (not text or pre-tokenized data) */
  templated: boolean;
  completionTemplates: CompletionTemplates | undefined;
  trainExamples: TokenizedExample[];
  /** training examples kept after tokenization (before packing) */
  trainKept: number;
  evalExamples: TokenizedExample[];
  /** run_config.json beyond the options: the chat format used and the data files' identity */
  derived: RunConfig;
}

/**
 * Load, split and tokenize the data; check --resume against the checkpoint's settings; pack when asked. Refuses
 * a run left with no training examples, a response template on chat data, and --eval-steps with nothing to
 * evaluate on.
 */
export async function loadTrainingData(
  options: Options<TrainOptions>,
  run: ResolvedRun,
  out: Out,
): Promise<TrainingData> {
  const opts = options.values;
  const splits = await loadSplits({
    data: run.dataPath,
    evalData: opts.eval_data,
    evalSplit: opts.eval_split,
    seed: opts.seed,
    source: sourceOptions(opts),
    maxSamples: opts.max_samples,
  });
  const templated = splits.format !== 'text' && splits.format !== 'tokenized';
  if (templated) run.notes.push(...run.formatNotes);
  for (const note of run.notes) out(`note: ${note}`);
  const completionTemplates = completionTemplatesFrom(options);
  if (completionTemplates !== undefined && splits.format !== 'text') {
    throw new UsageError(
      `${options.label('response_template')}: expected text data ({"text": …} records), got ${splits.format} data, whose answers the chat format already marks; drop the option`,
    );
  }
  const { format, maxLength, tokenizer } = run;
  const settings = { format, maxLength, completionOnly: opts.completion_only, completionTemplates };
  const train = tokenizeSplit(splits.train, tokenizer, settings);
  const formatWords = templated ? `${format.name} format` : 'no chat template';
  out(describeStats(`train (${splits.format} data, ${formatWords})`, train.stats));
  const held = splits.eval.length > 0 ? tokenizeSplit(splits.eval, tokenizer, settings) : undefined;
  // the run's settings (checkpoints carry them; --resume refuses a change unless --allow-changes)
  const derived = await derivedRunConfig(options, format.name);
  await checkResumeSettings(options, run.outputDir, { ...options.toRecord(), ...derived }, out);
  if (held) out(describeStats('eval', held.stats));
  let trainExamples = train.examples;
  if (opts.packing) {
    const packed = pack(trainExamples, maxLength);
    trainExamples = packed.examples;
    out(packed.line);
  }
  if (trainExamples.length === 0) {
    throw new UsageError(
      `--data ${run.dataPath}: expected examples left after tokenization, got none (see the skip reasons above)`,
    );
  }
  const evalExamples = held?.examples ?? [];
  if (options.given('eval_steps') && evalExamples.length === 0) {
    throw new UsageError(
      `${options.label('eval_steps')}: expected --eval-data or --eval-split to evaluate on, got neither`,
    );
  }
  const trainKept = train.stats.kept;
  return { splits, templated, completionTemplates, trainExamples, trainKept, evalExamples, derived };
}

/** The memory plan for the longest training example; refused, with its breakdown, above what the run may use. */
export function planOrRefuse(
  options: Options<TrainOptions>,
  run: ResolvedRun,
  data: TrainingData,
  out: Out,
): MemoryPlan {
  const longest = Math.max(...data.trainExamples.map((e) => e.inputIds.length));
  // on a GPU the embeddings are kept as row blocks of its largest array: a tensor that cannot be is refused here
  const plan = planRun(run.modelConfig, options, longest, deviceMemory().maxArrayBytes);
  const limit = memoryLimit(options);
  refuseOverLimit('train', plan, limit);
  const largest = largestParts(plan, 3).map(([part, bytes]) => `${part} ${formatBytes(bytes)}`);
  out(
    `memory plan: ${formatBytes(plan.total)} at peak, within the ${formatBytes(limit.bytes)} this run may use (${limit.source}); largest parts: ${largest.join(', ')}`,
  );
  return plan;
}

/** The base (4-bit or dense) with its adapter (fresh, or --init-adapter's), on the backend. */
export interface LoadedModel {
  model: CausalLM;
  lora: LoraModel;
  trainable: { count: number; line: string };
  /** `NF4 + double quant 4-bit base` or `dense f32 base` */
  quantText: string;
}

export async function loadTrainable(opts: TrainOptions, run: ResolvedRun, out: Out): Promise<LoadedModel> {
  const { quant, double_quant: doubleQuant, init_adapter: initAdapter } = opts;
  const model = await loadModel(run.modelDir, quant, doubleQuant, loadMemory());
  // saved adapters say inference_mode: true; PEFT's is_trainable loads them for further training
  const lora =
    initAdapter !== undefined
      ? await loadAdapter(initAdapter, model, { isTrainable: true })
      : injectFromOptions(model, opts, run.modelDir);
  await moveToBackend(model); // after the adapter exists, so it moves too; before the trainer packs its parameters
  const count = lora.trainableParameterCount();
  const quantText =
    quant === 'none'
      ? 'dense f32 base'
      : `${quant.toUpperCase()}${doubleQuant ? ' + double quant' : ''} 4-bit base`;
  const c = run.modelConfig;
  out(`model: ${c.architecture}, ${c.numLayers} layers, hidden ${c.hiddenSize}; ${quantText}; ${count.line}`);
  if (initAdapter !== undefined) out(`note: started from the adapter in ${initAdapter}`);
  return { model, lora, trainable: { count: count.trainable, line: count.line }, quantText };
}

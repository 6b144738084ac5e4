// Trainer arguments: transformers TrainingArguments / TRL SFTConfig names in camelCase, their defaults, and checks.
import { TrainerConfigError } from './errors.js';
import { isOptimizerName, OPTIMIZER_NAMES, type OptimizerName } from './optimizer.js';
import { isLrSchedulerType, LR_SCHEDULER_TYPES, type LrSchedulerType } from './schedule.js';

export interface TrainingConfig {
  /** pad id for collation (a tokenizer without a pad token can pad with its EOS id) */
  padTokenId: number;
  /** default 'right' */
  paddingSide?: 'left' | 'right';
  /** learning_rate; default 2e-5 (TRL SFTConfig) */
  learningRate?: number;
  /** num_train_epochs; default 3; may be fractional; at most MAX_EPOCHS */
  epochs?: number;
  /** max_steps; > 0 overrides epochs; at most MAX_STEPS */
  maxSteps?: number;
  /** per_device_train_batch_size; default 8 */
  batchSize?: number;
  /** per_device_eval_batch_size; default batchSize */
  evalBatchSize?: number;
  /** gradient_accumulation_steps; default 1 */
  gradientAccumulationSteps?: number;
  /** lr_scheduler_type; default 'linear' */
  lrSchedulerType?: LrSchedulerType;
  /** warmup_steps; > 0 wins over warmupRatio */
  warmupSteps?: number;
  /** warmup_ratio in [0, 1]: ceil(maxSteps · ratio) warmup steps */
  warmupRatio?: number;
  /**
   * optim: 'adamw_torch' (torch.optim.AdamW, the default), 'adamw_8bit' (bitsandbytes' AdamW8bit: moments as 8-bit
   * blockwise codes for tensors of 4096 elements or more) or 'sgd' (torch.optim.SGD at momentum 0)
   */
  optim?: OptimizerName;
  /** default 0 */
  weightDecay?: number;
  /**
   * LoRA+ (PEFT's loraplus_lr_ratio): lora_B matrices and 1-D parameters learn at learningRate × this; default off.
   * A resume must use the same value.
   */
  loraplusLrRatio?: number;
  /** adam_beta1, adam_beta2, adam_epsilon; defaults 0.9, 0.999, 1e-8 */
  adamBeta1?: number;
  adamBeta2?: number;
  adamEpsilon?: number;
  /** max_grad_norm; default 1; 0 disables clipping (grad_norm is still logged) */
  maxGradNorm?: number;
  /** seed for data order and dropout; default 42 */
  seed?: number;
  /** shuffle the training examples each epoch; default true */
  shuffle?: boolean;
  /** logging_steps; default 10 (TRL) */
  loggingSteps?: number;
  /** eval_steps; evaluate every N optimizer steps when an eval dataset is given; default: no evaluation */
  evalSteps?: number;
  /** save_steps; default 500; 0 disables periodic checkpoints */
  saveSteps?: number;
  /** save_total_limit; keep at most N checkpoints (never deleting the best); default unlimited */
  saveTotalLimit?: number;
  /** metric_for_best_model; default 'eval_loss' ("loss" means "eval_loss") */
  metricForBestModel?: string;
  /** greater_is_better; default false for names ending in "loss" or "perplexity", true otherwise */
  greaterIsBetter?: boolean;
  /** resume_from_checkpoint: true = the latest complete checkpoint in the storage, a string = that folder's name */
  resume?: boolean | string;
  gradientCheckpointing?: boolean;
  /** neftune_noise_alpha */
  neftuneNoiseAlpha?: number;
}

export type ResolvedConfig = Required<
  Omit<TrainingConfig, 'maxSteps' | 'evalSteps' | 'saveTotalLimit' | 'neftuneNoiseAlpha' | 'loraplusLrRatio'>
> &
  Pick<TrainingConfig, 'evalSteps' | 'saveTotalLimit' | 'neftuneNoiseAlpha' | 'loraplusLrRatio'> & {
    maxSteps: number;
  };

function fail(key: string, expected: string, got: unknown): never {
  throw new TrainerConfigError(
    key,
    `${key}: expected ${expected}, got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`,
  );
}

/** Bounds that keep a run finite: far above any real run, far below a plan of 1e302 steps. */
export const MAX_EPOCHS = 1_000_000;
export const MAX_STEPS = 1_000_000_000;

// integers beyond 2^53 are not exact (1e300 passes Number.isInteger)
const positiveInt = (key: string, v: unknown) =>
  Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : fail(key, 'an integer > 0', v);
const nonNegInt = (key: string, v: unknown) =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(key, 'an integer >= 0', v);
const finiteNonNeg = (key: string, v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fail(key, 'a finite number >= 0', v);

const beta = (key: string, v: unknown) =>
  typeof v === 'number' && v >= 0 && v < 1 ? v : fail(key, 'a number in [0, 1)', v);
const positive = (key: string, v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fail(key, 'a finite number > 0', v);

/** Fill in the defaults and check every argument; throws TrainerConfigError naming the first bad one. */
export function resolveConfig(config: TrainingConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null)
    fail('config', 'an object of training arguments', config);
  const c = config;
  // `?? default` would read a null as "not given" and train with the default without a word
  for (const [key, value] of Object.entries(c))
    if (value === null) fail(key, 'a value, or the key left out for its default', null);
  const batchSize = positiveInt('batchSize', c.batchSize ?? 8);
  const metric = c.metricForBestModel ?? 'eval_loss';
  if (typeof metric !== 'string' || metric.length === 0) fail('metricForBestModel', 'a metric name', metric);
  const metricForBestModel = metric.startsWith('eval_') ? metric : `eval_${metric}`;
  const lrSchedulerType = c.lrSchedulerType ?? 'linear';
  if (!isLrSchedulerType(lrSchedulerType))
    fail('lrSchedulerType', `one of ${LR_SCHEDULER_TYPES.join(', ')}`, lrSchedulerType);
  const optim = c.optim ?? 'adamw_torch';
  if (!isOptimizerName(optim)) fail('optim', `one of ${OPTIMIZER_NAMES.join(', ')}`, optim);
  const paddingSide = c.paddingSide ?? 'right';
  if (paddingSide !== 'left' && paddingSide !== 'right')
    fail('paddingSide', "'left' or 'right'", paddingSide);
  const learningRate = c.learningRate ?? 2e-5;
  if (!(learningRate > 0 && Number.isFinite(learningRate)))
    fail('learningRate', 'a finite number > 0', learningRate);
  const epochs = c.epochs ?? 3;
  if (!(typeof epochs === 'number' && epochs > 0 && epochs <= MAX_EPOCHS))
    fail('epochs', `a number in (0, ${MAX_EPOCHS}]`, epochs);
  const maxSteps = c.maxSteps === undefined || c.maxSteps === -1 ? -1 : positiveInt('maxSteps', c.maxSteps);
  if (maxSteps > MAX_STEPS) fail('maxSteps', `an integer in [1, ${MAX_STEPS}] or -1`, maxSteps);
  const seed = c.seed ?? 42;
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) fail('seed', 'an integer in [0, 2^32)', seed);
  const warmupRatio = c.warmupRatio ?? 0;
  if (!(warmupRatio >= 0 && warmupRatio <= 1)) fail('warmupRatio', 'a number in [0, 1]', warmupRatio);
  const resume = c.resume ?? false;
  if (typeof resume !== 'boolean' && (typeof resume !== 'string' || resume.length === 0))
    fail('resume', 'true, false or a checkpoint folder', resume);
  if (c.neftuneNoiseAlpha !== undefined) finiteNonNeg('neftuneNoiseAlpha', c.neftuneNoiseAlpha);
  return {
    padTokenId: nonNegInt('padTokenId', c.padTokenId),
    paddingSide,
    learningRate,
    epochs,
    maxSteps,
    batchSize,
    evalBatchSize: positiveInt('evalBatchSize', c.evalBatchSize ?? batchSize),
    gradientAccumulationSteps: positiveInt('gradientAccumulationSteps', c.gradientAccumulationSteps ?? 1),
    lrSchedulerType,
    warmupSteps: nonNegInt('warmupSteps', c.warmupSteps ?? 0),
    warmupRatio,
    optim,
    weightDecay: finiteNonNeg('weightDecay', c.weightDecay ?? 0),
    loraplusLrRatio:
      c.loraplusLrRatio === undefined ? undefined : positive('loraplusLrRatio', c.loraplusLrRatio),
    adamBeta1: beta('adamBeta1', c.adamBeta1 ?? 0.9),
    adamBeta2: beta('adamBeta2', c.adamBeta2 ?? 0.999),
    adamEpsilon: positive('adamEpsilon', c.adamEpsilon ?? 1e-8),
    maxGradNorm: finiteNonNeg('maxGradNorm', c.maxGradNorm ?? 1),
    seed,
    shuffle: c.shuffle ?? true,
    loggingSteps: positiveInt('loggingSteps', c.loggingSteps ?? 10),
    evalSteps: c.evalSteps === undefined ? undefined : positiveInt('evalSteps', c.evalSteps),
    saveSteps: nonNegInt('saveSteps', c.saveSteps ?? 500),
    saveTotalLimit:
      c.saveTotalLimit === undefined ? undefined : positiveInt('saveTotalLimit', c.saveTotalLimit),
    metricForBestModel,
    greaterIsBetter: c.greaterIsBetter ?? !/(loss|perplexity)$/.test(metricForBestModel),
    resume,
    gradientCheckpointing: c.gradientCheckpointing ?? false,
    neftuneNoiseAlpha: c.neftuneNoiseAlpha,
  };
}

// The SFT training loop, transformers' Trainer._inner_training_loop semantics: epochs of optimizer steps over
// accumulated micro-batches; log, evaluate and save by step counts; resume from the latest checkpoint exactly. Its
// files go through a RunStorage, so the CLI (a Node folder) and a page (OPFS or memory) run this same loop.
import { allocLike, type Parameter, parameterKey } from '@lora/core';
import {
  type CollateSettings,
  checkExamples,
  epochOrder,
  microBatch,
  planSteps,
  type StepPlan,
} from './batches.js';
import { latestCheckpointName, loadCheckpoint } from './checkpoint.js';
import { type ResolvedConfig, resolveConfig } from './config.js';
import { createOptimizer } from './create-optimizer.js';
import { CheckpointError, TrainerConfigError } from './errors.js';
import { type EvalMetrics, evaluateModel } from './evaluate.js';
import type { TrainableModel } from './model.js';
import type { Optimizer } from './optimizer.js';
import { restoreCheckpoint } from './resume.js';
import { createRng, type TrainingRng } from './rng.js';
import { type MetricsEntry, RunLog } from './run-log.js';
import type { RunStorage } from './run-storage.js';
import { peakMemoryMb, yieldToEventLoop } from './runtime.js';
import { learningRateAt, type ScheduleOptions, warmupStepsFor } from './schedule.js';
import { optimizerStep, type StepOutcome, zeroGrads } from './train-step.js';
import { saveRunCheckpoint, writeTrainerState } from './trainer-save.js';
import { initialTrainerState, type TrainerState } from './trainer-state.js';
import type { TrainerOptions, TrainResult } from './trainer-types.js';

const EVAL_KEYS = ['eval_loss', 'eval_perplexity', 'eval_mean_token_accuracy'];
const STORAGE_METHODS = [
  'pathOf',
  'readFile',
  'writeFile',
  'appendFile',
  'writeFolder',
  'list',
  'remove',
  'removeStaleTemps',
] as const;

export class Trainer {
  readonly config: ResolvedConfig;
  readonly plan: StepPlan;
  readonly schedule: ScheduleOptions;
  readonly #opts: TrainerOptions;
  readonly #params: Parameter[];
  readonly #optimizer: Optimizer;
  readonly #collate: CollateSettings;
  readonly #storage: RunStorage;
  readonly #log: RunLog;
  #rng: TrainingRng;
  #state: TrainerState;
  #position = { epoch: 0, batchInEpoch: 0 };
  #totalLoss = 0;
  #stopRequested = false;
  #started = false;
  #lastCheckpoint: string | undefined;
  #lastLr = 0;

  /** Checks the arguments, the datasets and the model's parameters; throws TrainerConfigError. */
  constructor(options: TrainerOptions) {
    this.#opts = options;
    const config = resolveConfig(options.config);
    this.config = config;
    if (typeof options.model?.stepInto !== 'function' || typeof options.model.parameters !== 'function') {
      throw new TrainerConfigError('model', 'model: expected an object with stepInto() and parameters()');
    }
    const storage = options.storage as Partial<RunStorage> | undefined;
    if (STORAGE_METHODS.some((m) => typeof storage?.[m] !== 'function')) {
      throw new TrainerConfigError(
        'storage',
        `storage: expected a RunStorage (await nodeStorage(dir), await opfsStorage(root) or memoryStorage()), got ${storage === undefined ? 'none' : 'an object without its methods'}`,
      );
    }
    this.#storage = options.storage;
    checkExamples(options.trainDataset, 'trainDataset');
    if (options.evalDataset !== undefined) checkExamples(options.evalDataset, 'evalDataset');
    if (config.evalSteps !== undefined && options.evalDataset === undefined) {
      throw new TrainerConfigError(
        'evalSteps',
        `evalSteps: expected an evalDataset to evaluate every ${config.evalSteps} steps, got none`,
      );
    }
    if (options.evalDataset !== undefined && !EVAL_KEYS.includes(config.metricForBestModel)) {
      throw new TrainerConfigError(
        'metricForBestModel',
        `metricForBestModel: expected one of ${EVAL_KEYS.join(', ')}, got "${config.metricForBestModel}"`,
      );
    }
    this.#params = this.#trainableParameters(options.model);
    this.#optimizer = createOptimizer(config.optim, this.#params, {
      beta1: config.adamBeta1,
      beta2: config.adamBeta2,
      eps: config.adamEpsilon,
      weightDecay: config.weightDecay,
      loraplusLrRatio: config.loraplusLrRatio,
    });
    this.plan = planSteps({
      numExamples: options.trainDataset.length,
      batchSize: config.batchSize,
      gradientAccumulationSteps: config.gradientAccumulationSteps,
      epochs: config.epochs,
      maxSteps: config.maxSteps,
    });
    this.schedule = {
      type: config.lrSchedulerType,
      baseLr: config.learningRate,
      warmupSteps: warmupStepsFor(this.plan.maxSteps, config.warmupSteps, config.warmupRatio),
      totalSteps: this.plan.maxSteps,
    };
    this.#collate = { padTokenId: config.padTokenId, paddingSide: config.paddingSide };
    this.#log = new RunLog(this.#storage);
    this.#rng = createRng(config.seed);
    this.#state = this.#freshState();
  }

  #trainableParameters(model: TrainableModel): Parameter[] {
    const all = model.parameters();
    const seen = new Set<string>();
    for (const p of all) {
      const key = parameterKey(p); // a row block of a split tensor: its name and rows
      if (seen.has(key))
        throw new TrainerConfigError(
          'model',
          `model.parameters(): expected unique names, got "${key}" twice`,
        );
      seen.add(key);
    }
    const trainable = all.filter((p) => p.trainable);
    for (const p of trainable) p.grad ??= allocLike(p.data, p.data.length); // models may allocate lazily
    if (trainable.length === 0) {
      throw new TrainerConfigError(
        'model',
        `model.parameters(): expected at least one trainable parameter, got none of ${all.length}`,
      );
    }
    return trainable;
  }

  #freshState(): TrainerState {
    return initialTrainerState({
      max_steps: this.plan.maxSteps,
      num_train_epochs: this.plan.numTrainEpochs,
      logging_steps: this.config.loggingSteps,
      eval_steps: this.config.evalSteps ?? null,
      save_steps: this.config.saveSteps,
      train_batch_size: this.config.batchSize,
    });
  }

  /** A deep copy of the trainer state (global_step, epoch, log_history, best_metric, ...). */
  get state(): TrainerState {
    return structuredClone(this.#state);
  }

  /** Ask the run to save a checkpoint at the next step boundary and return (SIGINT handlers call this). */
  requestStop(): void {
    this.#stopRequested = true;
  }

  /** Evaluate the model on the eval dataset now. Throws TrainerConfigError when there is none. */
  evaluate(): Promise<EvalMetrics> {
    const data = this.#opts.evalDataset;
    if (!data) throw new TrainerConfigError('evalDataset', 'evaluate(): expected an evalDataset, got none');
    return evaluateModel(
      this.#opts.model,
      data,
      this.config.evalBatchSize,
      this.#collate,
      this.#state.global_step,
    );
  }

  /**
   * Train until maxSteps (or requestStop); resumes first when `config.resume` says so. A Trainer runs once:
   * to continue after a stop, create a new one with `resume: true`.
   */
  async train(): Promise<TrainResult> {
    if (this.#started) {
      throw new TrainerConfigError(
        'train',
        'train(): expected a fresh Trainer, got one that has already run (create a new Trainer with resume: true to continue)',
      );
    }
    this.#started = true;
    return this.#train();
  }

  async #train(): Promise<TrainResult> {
    const { config, plan } = this;
    await this.#storage.removeStaleTemps();
    await this.#startOrResume();
    zeroGrads(this.#optimizer);
    const n = this.#opts.trainDataset.length;
    const started = performance.now();
    const startStep = this.#state.global_step;
    let sessionTokens = 0;
    let window = { time: started, tokens: 0 };
    let stopped = false;

    outer: for (let epoch = this.#position.epoch; epoch < plan.numTrainEpochs; epoch++) {
      if (this.#state.global_step >= plan.maxSteps) break;
      const order = epochOrder(n, config.seed, epoch, config.shuffle);
      let b = epoch === this.#position.epoch ? this.#position.batchInEpoch : 0;
      while (b < plan.batchesPerEpoch) {
        const to = Math.min(b + config.gradientAccumulationSteps, plan.batchesPerEpoch);
        const outcome = await this.#step(order, b, to);
        b = to;
        this.#position =
          b === plan.batchesPerEpoch ? { epoch: epoch + 1, batchInEpoch: 0 } : { epoch, batchInEpoch: b };
        this.#state.epoch = epoch + b / plan.batchesPerEpoch;
        sessionTokens += outcome.inputTokens;
        window.tokens += outcome.inputTokens;
        const step = this.#state.global_step;
        const now = performance.now();
        if (step % config.loggingSteps === 0) {
          await this.#logTrain(step, outcome, window.tokens / Math.max(1e-9, (now - window.time) / 1000));
          window = { time: now, tokens: 0 };
        }
        const elapsed = (now - started) / 1000;
        this.#opts.onProgress?.({
          step,
          maxSteps: plan.maxSteps,
          epoch: this.#state.epoch,
          loss: outcome.loss,
          lr: this.#lastLr,
          tokensPerSec: sessionTokens / Math.max(1e-9, elapsed),
          etaSeconds: ((plan.maxSteps - step) * elapsed) / Math.max(1, step - startStep),
        });
        if (config.evalSteps !== undefined && step % config.evalSteps === 0)
          await this.#evaluateAndTrack(step);
        const done = step >= plan.maxSteps;
        const periodic = config.saveSteps > 0 && (step % config.saveSteps === 0 || done);
        if (periodic || this.#stopRequested) await this.#save(step);
        if (done) break outer;
        if (this.#stopRequested) {
          stopped = true;
          await this.#log.note(`stopped at step ${step} on request; checkpoint ${this.#lastCheckpoint}`);
          break outer;
        }
        await yieldToEventLoop();
      }
    }
    return this.#finish(stopped, (performance.now() - started) / 1000);
  }

  async #step(order: Uint32Array, from: number, to: number): Promise<StepOutcome> {
    const batches = [];
    for (let b = from; b < to; b++)
      batches.push(microBatch(this.#opts.trainDataset, order, b, this.config.batchSize, this.#collate));
    const lr = learningRateAt(this.schedule, this.#state.global_step);
    const outcome = await optimizerStep(this.#opts.model, this.#optimizer, batches, {
      step: this.#state.global_step + 1,
      lr,
      maxGradNorm: this.config.maxGradNorm,
      rng: () => this.#rng.next(),
      gradientCheckpointing: this.config.gradientCheckpointing,
      neftuneNoiseAlpha: this.config.neftuneNoiseAlpha,
    });
    this.#lastLr = lr;
    this.#state.global_step += 1;
    this.#state.num_input_tokens_seen += outcome.inputTokens;
    this.#totalLoss += outcome.loss;
    return outcome;
  }

  async #write(entry: MetricsEntry): Promise<void> {
    await this.#log.write(entry);
    this.#opts.onLog?.(entry);
  }

  async #logTrain(step: number, o: StepOutcome, tokensPerSec: number): Promise<void> {
    const epoch = this.#state.epoch;
    const num_tokens = this.#state.num_input_tokens_seen;
    this.#state.log_history.push({
      step,
      epoch,
      loss: o.loss,
      grad_norm: o.gradNorm,
      learning_rate: this.#lastLr,
      mean_token_accuracy: o.accuracy,
      num_tokens,
    });
    const peak = peakMemoryMb();
    await this.#write({
      step,
      epoch,
      loss: o.loss,
      grad_norm: o.gradNorm,
      lr: this.#lastLr,
      tokens: o.tokens,
      num_tokens,
      mean_token_accuracy: o.accuracy,
      tokens_per_sec: tokensPerSec,
      ...(peak !== undefined && { peak_memory_mb: peak }),
    });
  }

  async #evaluateAndTrack(step: number): Promise<void> {
    const m = await this.evaluate();
    const { eval_runtime, ...deterministic } = m;
    const epoch = this.#state.epoch;
    this.#state.log_history.push({ step, epoch, ...deterministic });
    await this.#write({ step, epoch, ...m });
    const value = (m as unknown as Record<string, number>)[this.config.metricForBestModel]!;
    const best = this.#state.best_metric;
    const better = best === null || (this.config.greaterIsBetter ? value > best : value < best);
    if (better) {
      this.#state.best_metric = value;
      this.#state.best_global_step = step;
    }
  }

  async #save(step: number): Promise<void> {
    const { config } = this;
    this.#lastCheckpoint = await saveRunCheckpoint({
      storage: this.#storage,
      step,
      params: this.#params,
      optimizer: this.#optimizer,
      schedule: this.schedule,
      position: this.#position,
      seed: config.seed,
      shuffle: config.shuffle,
      rngState: this.#rng.state(),
      numExamples: this.#opts.trainDataset.length,
      batchSize: config.batchSize,
      gradientAccumulationSteps: config.gradientAccumulationSteps,
      totalLoss: this.#totalLoss,
      state: this.#state,
      saveTotalLimit: config.saveTotalLimit,
      saveAdapter: this.#opts.saveAdapter,
      note: (message) => this.#log.note(message),
    });
  }

  async #startOrResume(): Promise<void> {
    const { config } = this;
    const resume = config.resume;
    if (resume === false) {
      await this.#log.truncateAfter(0);
      await this.#log.note(
        `start: ${this.plan.maxSteps} steps, ${this.#params.length} trainable tensors, seed ${config.seed}`,
      );
      return;
    }
    const storage = this.#storage;
    const name = typeof resume === 'string' ? resume : await latestCheckpointName(storage);
    if (name === undefined) {
      throw new CheckpointError(
        storage.location,
        `resume: expected a complete checkpoint-N folder in ${storage.location}, got none (start without resume)`,
      );
    }
    const loaded = await loadCheckpoint(storage, name);
    const path = loaded.path;
    const restored = restoreCheckpoint(
      loaded,
      this.#params,
      this.#optimizer,
      config,
      this.#opts.trainDataset.length,
    );
    this.#rng = createRng(config.seed, restored.rngState);
    this.#position = { epoch: restored.epoch, batchInEpoch: restored.batchInEpoch };
    this.#totalLoss = restored.totalLoss;
    this.#state = {
      ...loaded.trainerState,
      max_steps: this.plan.maxSteps,
      num_train_epochs: this.plan.numTrainEpochs,
      logging_steps: config.loggingSteps,
      eval_steps: config.evalSteps ?? null,
      save_steps: config.saveSteps,
      train_batch_size: config.batchSize,
    };
    this.#lastCheckpoint = path;
    await this.#log.truncateAfter(this.#state.global_step);
    await this.#log.note(`resumed from ${path} at step ${this.#state.global_step}`);
    for (const note of restored.notes) await this.#log.note(note);
  }

  async #finish(stopped: boolean, runtime: number): Promise<TrainResult> {
    const step = this.#state.global_step;
    const trainLoss = step > 0 ? this.#totalLoss / step : Number.NaN;
    await writeTrainerState(this.#storage, this.#state);
    if (!stopped) {
      await this.#write({ step, epoch: this.#state.epoch, train_loss: trainLoss, train_runtime: runtime });
    }
    return {
      globalStep: step,
      trainLoss,
      stopped,
      lastCheckpoint: this.#lastCheckpoint,
      bestMetric: this.#state.best_metric,
      bestModelCheckpoint: this.#state.best_model_checkpoint,
      state: this.state,
    };
  }
}

// The in-page training loop, composed from @lora/sft's pieces with transformers' Trainer semantics (seeded shuffle
// per epoch, linear schedule with warmup, clip_grad_norm_, AdamW, eval every N steps). @lora/sft's Trainer writes
// checkpoints and logs to an output folder through node:fs, which a page does not have; this loop keeps it all in
// memory and reports every step through callbacks instead.
import { collate } from '@lora/datasets';
import { allocLike } from '@lora/core';
import {
  AdamW,
  createRng,
  epochOrder,
  type EvalMetrics,
  evaluateModel,
  learningRateAt,
  type LrSchedulerType,
  optimizerStep,
  planSteps,
  zeroGrads,
  type TrainableModel,
  type TrainExample,
  warmupStepsFor,
} from '@lora/sft';

export interface TrainSettings {
  learningRate: number;
  lrScheduler: LrSchedulerType;
  warmupSteps: number;
  batchSize: number;
  epochs: number;
  /** > 0 caps the run (transformers' max_steps) */
  maxSteps?: number;
  maxGradNorm: number;
  seed: number;
  /** evaluate every N optimizer steps (and after the last) */
  evalSteps: number;
  padTokenId: number;
}

export interface StepEvent {
  step: number;
  maxSteps: number;
  epoch: number;
  /** mean token loss of the step's batch, before the update */
  loss: number;
  /** the learning rate this step used */
  lr: number;
  gradNorm: number;
  /** non-pad input tokens per second so far */
  tokensPerSec: number;
  etaSeconds: number;
}

export interface EvalEvent {
  step: number;
  metrics: EvalMetrics;
}

export interface TrainHooks {
  onStep?: (event: StepEvent) => void;
  onEval?: (event: EvalEvent) => void;
  /** polled between steps; true ends the run early */
  shouldStop?: () => boolean;
  /** awaited between steps (a worker yields here so its message queue keeps moving) */
  yieldBetweenSteps?: () => Promise<void>;
}

export interface TrainSummary {
  steps: number;
  maxSteps: number;
  seconds: number;
  /** [step, loss] per optimizer step */
  losses: [number, number][];
  evals: EvalEvent[];
}

export class TrainLoopError extends Error {
  override name = 'TrainLoopError';
}

function finiteOrThrow(value: number, what: string, step: number): void {
  if (!Number.isFinite(value)) {
    throw new TrainLoopError(
      `training step ${step}: expected a finite ${what}, got ${value} (lower the learning rate)`,
    );
  }
}

/** Train `model`'s trainable parameters on `train`, evaluating on `evalSet`. */
export async function trainLoop(
  model: TrainableModel,
  train: readonly TrainExample[],
  evalSet: readonly TrainExample[],
  s: TrainSettings,
  hooks: TrainHooks = {},
): Promise<TrainSummary> {
  const params = model.parameters().filter((p) => p.trainable);
  if (params.length === 0) throw new TrainLoopError('trainLoop: expected trainable parameters, got none');
  for (const p of params) p.grad ??= allocLike(p.data, p.data.length); // core: a trainable parameter has a grad
  const optimizer = new AdamW(params);
  zeroGrads(optimizer);
  const plan = planSteps({
    numExamples: train.length,
    batchSize: s.batchSize,
    gradientAccumulationSteps: 1,
    epochs: s.epochs,
    maxSteps: s.maxSteps,
  });
  const schedule = {
    type: s.lrScheduler,
    baseLr: s.learningRate,
    warmupSteps: warmupStepsFor(plan.maxSteps, s.warmupSteps),
    totalSteps: plan.maxSteps,
  };
  const collateSettings = { padTokenId: s.padTokenId, paddingSide: 'right' as const };
  const rng = createRng(s.seed);
  const started = performance.now();
  const summary: TrainSummary = { steps: 0, maxSteps: plan.maxSteps, seconds: 0, losses: [], evals: [] };
  const evaluate = async (step: number) => {
    const event = { step, metrics: await evaluateModel(model, evalSet, s.batchSize, collateSettings, step) };
    summary.evals.push(event);
    hooks.onEval?.(event);
  };
  let tokens = 0;
  let step = 0;
  outer: for (let epoch = 0; epoch < plan.numTrainEpochs; epoch++) {
    const order = epochOrder(train.length, s.seed, epoch, true);
    for (let b = 0; b < plan.batchesPerEpoch; b++) {
      if (step >= plan.maxSteps || hooks.shouldStop?.()) break outer;
      const rows = Array.from(order.subarray(b * s.batchSize, (b + 1) * s.batchSize), (i) => train[i]!);
      const batch = collate(rows, collateSettings); // (B, T)
      const lr = learningRateAt(schedule, step);
      const { loss, gradNorm } = await optimizerStep(model, optimizer, [batch], {
        step: step + 1,
        lr,
        maxGradNorm: s.maxGradNorm,
        rng: () => rng.next(),
        gradientCheckpointing: false,
        neftuneNoiseAlpha: undefined,
      });
      step += 1;
      finiteOrThrow(loss, 'loss', step);
      finiteOrThrow(gradNorm, 'gradient norm', step);
      tokens += batch.attentionMask.reduce((a, m) => a + m, 0);
      const elapsed = (performance.now() - started) / 1000;
      summary.losses.push([step, loss]);
      hooks.onStep?.({
        step,
        maxSteps: plan.maxSteps,
        epoch: epoch + (b + 1) / plan.batchesPerEpoch,
        loss,
        lr,
        gradNorm,
        tokensPerSec: tokens / Math.max(elapsed, 1e-9),
        etaSeconds: ((plan.maxSteps - step) * elapsed) / step,
      });
      if (step % s.evalSteps === 0 || step === plan.maxSteps) await evaluate(step);
      await hooks.yieldBetweenSteps?.();
    }
  }
  if (summary.evals.at(-1)?.step !== step) await evaluate(step);
  summary.steps = step;
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

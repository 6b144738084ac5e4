// One optimizer step over an accumulated batch: count the label tokens of every micro-batch first, run each
// with lossScale = 1 / total (so accumulation equals one big batch), guard against NaN/Inf, clip, update, zero.
import type { Parameter, StepOptions } from '@lora/core';
import type { Batch } from '@lora/datasets';
import type { AdamW } from './adamw.js';
import { inputTokens } from './batches.js';
import { clipGradNorm } from './clip.js';
import { TrainingError } from './errors.js';
import { checkLoss, checkTensors } from './guard.js';
import type { TrainableModel } from './model.js';

export interface StepSettings {
  /** the step being computed (1-based), for messages */
  step: number;
  lr: number;
  maxGradNorm: number;
  rng: () => number;
  gradientCheckpointing: boolean;
  neftuneNoiseAlpha: number | undefined;
}

export interface StepOutcome {
  /** mean token loss over the accumulated batch, before the update */
  loss: number;
  /** total gradient norm before clipping */
  gradNorm: number;
  /** label tokens of the accumulated batch (the loss denominator) */
  tokens: number;
  /** non-pad input tokens */
  inputTokens: number;
  /** argmax == label over those label tokens */
  accuracy: number;
}

export function zeroGrads(params: readonly Parameter[]): void {
  for (const p of params) p.grad?.fill(0);
}

/** Run one optimizer step. Throws TrainingError when a loss, gradient or parameter goes non-finite. */
export function optimizerStep(
  model: TrainableModel,
  params: readonly Parameter[],
  optimizer: AdamW,
  batches: readonly Batch[],
  s: StepSettings,
): StepOutcome {
  const total = batches.reduce((sum, b) => sum + b.labelTokens, 0);
  const options: StepOptions = {
    training: true,
    backward: true,
    lossScale: 1 / total,
    rng: s.rng,
    gradientCheckpointing: s.gradientCheckpointing,
    ...(s.neftuneNoiseAlpha !== undefined ? { neftuneNoiseAlpha: s.neftuneNoiseAlpha } : {}),
  };
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  batches.forEach((batch, i) => {
    const where = `micro-batch ${i + 1} of ${batches.length}`;
    let r: ReturnType<TrainableModel['step']>;
    try {
      r = model.step(batch, options);
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new TrainingError(
        `model.step failed at step ${s.step} (${where}): ${detail}`,
        { step: s.step },
        { cause },
      );
    }
    checkLoss(r.lossSum, s.step, where);
    checkTensors(params, 'grad', s.step, where);
    if (r.tokens !== batch.labelTokens) {
      throw new TrainingError(
        `model.step at step ${s.step} (${where}): expected ${batch.labelTokens} predicted tokens (labels after the shift), got ${r.tokens}`,
        { step: s.step },
      );
    }
    lossSum += r.lossSum;
    correct += r.correct;
    seen += inputTokens(batch);
  });
  const gradNorm = clipGradNorm(params, s.maxGradNorm);
  optimizer.step(s.lr);
  zeroGrads(params);
  checkTensors(params, 'param', s.step, 'after the AdamW update');
  return { loss: lossSum / total, gradNorm, tokens: total, inputTokens: seen, accuracy: correct / total };
}

// One optimizer step over an accumulated batch: count the label tokens of every micro-batch first, run each with
// lossScale = 1 / total (so accumulation equals one big batch), then clip, update and zero — all queued on the
// device, with one read at the end (each micro-batch's loss, tokens, hits and non-finite gradients; the gradient
// norm; non-finite parameters). A non-finite loss or gradient makes the optimizer skip the update, and the guard
// throws.
import { allocLike, type F32, kernel, memoryOf, type StepOptions, toHost } from '@lora/core';
import type { Batch } from '@lora/datasets';
import { inputTokens } from './batches.js';
import { clipFactor, gradSumSquares } from './clip.js';
import { TrainingError } from './errors.js';
import { checkLoss, checkNorm, checkTensors } from './guard.js';
import type { TrainableModel } from './model.js';
import type { Optimizer } from './optimizer.js';

/** The settings of one optimizer step: its number, learning rate, clipping, generator, checkpointing and NEFTune. */
export interface StepSettings {
  /** the step being computed (1-based), for messages */
  step: number;
  lr: number;
  maxGradNorm: number;
  rng: () => number;
  gradientCheckpointing: boolean;
  neftuneNoiseAlpha: number | undefined;
}

/** What one optimizer step measured: loss, gradient norm and token counts. */
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

/** Per micro-batch: loss sum, tokens, hits (the model's STEP_STATS) and the non-finite gradient count. */
const PER_BATCH = 4;
/** After the micro-batches: Σ g², the clip factor, non-finite parameters after the update, the loss guard. */
const [SUM_SQUARES, FACTOR, BAD_PARAMS, LOSS_GUARD] = [0, 1, 2, 3];

/** Each optimizer's stats array, reused from step to step (reallocated when the number of micro-batches changes). */
const statsArrays = new WeakMap<Optimizer, F32>();

function statsFor(optimizer: Optimizer, n: number): F32 {
  let stats = statsArrays.get(optimizer);
  if (stats?.length !== n) {
    if (stats) memoryOf(stats).free(stats);
    stats = allocLike(optimizer.groups[0]!.data, n);
    statsArrays.set(optimizer, stats);
  }
  kernel('fill')({ x: stats, n, value: 0 });
  return stats;
}

/** Sets every gradient to zero (one kernel per parameter group). */
export function zeroGrads(optimizer: Optimizer): void {
  for (const g of optimizer.groups) kernel('fill')({ x: g.grad, n: g.size, value: 0 });
}

/** Run one optimizer step. Throws TrainingError when a loss, gradient or parameter goes non-finite. */
export async function optimizerStep(
  model: TrainableModel,
  optimizer: Optimizer,
  batches: readonly Batch[],
  s: StepSettings,
): Promise<StepOutcome> {
  const total = batches.reduce((sum, b) => sum + b.labelTokens, 0);
  const options: StepOptions = {
    training: true,
    backward: true,
    lossScale: 1 / total,
    rng: s.rng,
    gradientCheckpointing: s.gradientCheckpointing,
    ...(s.neftuneNoiseAlpha !== undefined ? { neftuneNoiseAlpha: s.neftuneNoiseAlpha } : {}),
  };
  const groups = optimizer.groups;
  const stats = statsFor(optimizer, PER_BATCH * batches.length + 4); // zeroed
  const tail = (i: number): F32 =>
    stats.subarray(PER_BATCH * batches.length + i, PER_BATCH * batches.length + i + 1);
  batches.forEach((batch, i) => {
    const slot = stats.subarray(PER_BATCH * i, PER_BATCH * (i + 1));
    try {
      model.stepInto(batch, options, slot);
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new TrainingError(
        `model.step failed at step ${s.step} (micro-batch ${i + 1} of ${batches.length}): ${detail}`,
        { step: s.step },
        { cause },
      );
    }
    const bad = slot.subarray(3, 4);
    for (const g of groups) kernel('countNonFinite')({ x: g.grad, n: g.size, out: bad });
  });
  gradSumSquares(groups, tail(SUM_SQUARES));
  clipFactor(tail(SUM_SQUARES), s.maxGradNorm, tail(FACTOR));
  // a non-finite loss with finite gradients must stop the update too: 0 · (Σ of every stat²) is NaN then, 0 else
  const guard = tail(LOSS_GUARD);
  kernel('sumSquares')({ x: stats, n: PER_BATCH * batches.length, out: guard });
  kernel('axpy')({ x: guard, y: tail(FACTOR), n: 1, alpha: 0 });
  optimizer.step(s.lr, tail(FACTOR));
  for (const g of groups) kernel('countNonFinite')({ x: g.data, n: g.size, out: tail(BAD_PARAMS) });
  const read = await toHost(stats); // the step's one read
  let [lossSum, correct, seen] = [0, 0, 0];
  for (let i = 0; i < batches.length; i++) {
    const where = `micro-batch ${i + 1} of ${batches.length}`;
    const [batchLoss, tokens, hits, badGrads] = read.subarray(PER_BATCH * i, PER_BATCH * (i + 1));
    checkLoss(batchLoss!, s.step, where);
    if (badGrads! > 0) await checkTensors(optimizer.params, 'grad', s.step, `${where} or later`);
    if (tokens !== batches[i]!.labelTokens) {
      throw new TrainingError(
        `model.step at step ${s.step} (${where}): expected ${batches[i]!.labelTokens} predicted tokens (labels after the shift), got ${tokens}`,
        { step: s.step },
      );
    }
    lossSum += batchLoss!;
    correct += hits!;
    seen += inputTokens(batches[i]!);
  }
  const gradNorm = Math.sqrt(read[PER_BATCH * batches.length + SUM_SQUARES]!);
  checkNorm(gradNorm, s.step);
  if (read[PER_BATCH * batches.length + BAD_PARAMS]! > 0)
    await checkTensors(optimizer.params, 'param', s.step, `after the ${optimizer.label} update`);
  zeroGrads(optimizer);
  return { loss: lossSum / total, gradNorm, tokens: total, inputTokens: seen, accuracy: correct / total };
}

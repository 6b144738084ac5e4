// Data order and step arithmetic as transformers' Trainer: a (seeded) permutation per epoch, micro-batches of
// `batchSize` with the last one short, optimizer steps of `gradientAccumulationSteps` micro-batches with the last
// step of an epoch taking the remainder, and max_steps from epochs when not given.
import { type Batch, collate, shuffledIndices } from '@lora/datasets';
import { TrainerConfigError } from './errors.js';
import type { TrainExample } from './model.js';

/** The input of `planSteps`: examples, batch size, accumulation, and epochs or a step count. */
export interface StepPlanInput {
  numExamples: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  /** num_train_epochs (may be fractional); used when maxSteps is not > 0 */
  epochs: number;
  /** > 0 overrides epochs */
  maxSteps?: number;
}

/** How many micro-batches and optimizer steps a run has, as transformers' Trainer counts them. */
export interface StepPlan {
  /** micro-batches per epoch: ceil(n / batchSize) (drop_last false) */
  batchesPerEpoch: number;
  /** optimizer steps per epoch: max(ceil(batchesPerEpoch / accumulation), 1) */
  updateStepsPerEpoch: number;
  /** optimizer steps in the run */
  maxSteps: number;
  /** epochs the loop may enter: ceil(epochs), or ceil(maxSteps / updateStepsPerEpoch) */
  numTrainEpochs: number;
}

/** Trainer.set_initial_training_values for a dataset of known length. */
export function planSteps(input: StepPlanInput): StepPlan {
  const { numExamples: n, batchSize, gradientAccumulationSteps: gas, epochs, maxSteps = -1 } = input;
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const updateStepsPerEpoch = Math.max(
    Math.floor(batchesPerEpoch / gas) + (batchesPerEpoch % gas > 0 ? 1 : 0),
    1,
  );
  if (maxSteps > 0) {
    return {
      batchesPerEpoch,
      updateStepsPerEpoch,
      maxSteps,
      numTrainEpochs: Math.ceil(maxSteps / updateStepsPerEpoch),
    };
  }
  if (!(epochs > 0)) {
    throw new TrainerConfigError(
      'epochs',
      `epochs: expected a number > 0 when maxSteps is not set, got ${epochs}`,
    );
  }
  return {
    batchesPerEpoch,
    updateStepsPerEpoch,
    maxSteps: Math.ceil(epochs * updateStepsPerEpoch),
    numTrainEpochs: Math.ceil(epochs),
  };
}

/** Example order of `epoch`: shuffledIndices(n, seed + epoch) from @lora/datasets, or 0..n-1 without shuffle. */
export function epochOrder(n: number, seed: number, epoch: number, shuffle: boolean): Uint32Array {
  if (shuffle) return shuffledIndices(n, (seed + epoch) >>> 0);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Micro-batch indices [start, end) of the optimizer step that begins at micro-batch `start` of an epoch. */
export function stepBatchRange(start: number, batchesPerEpoch: number, gas: number): [number, number] {
  return [start, Math.min(start + gas, batchesPerEpoch)];
}

/** How `evaluateModel` pads its batches. */
export interface CollateSettings {
  padTokenId: number;
  paddingSide: 'left' | 'right';
}

/**
 * Collate micro-batch `b` of an epoch's `order` (its examples order[b·B, (b+1)·B)). Packed blocks keep their
 * `sequenceStarts`, so the batch's position ids restart at each packed example (and the model keeps each example's
 * attention to itself); other rows get the positions their attention mask implies.
 */
export function microBatch(
  examples: readonly TrainExample[],
  order: Uint32Array,
  b: number,
  batchSize: number,
  settings: CollateSettings,
): Batch {
  const rows = Array.from(order.subarray(b * batchSize, (b + 1) * batchSize), (i) => examples[i]!);
  return collate(rows, settings);
}

/** Non-pad input tokens of a batch (TRL's num_tokens counts these). */
export function inputTokens(batch: Batch): number {
  let n = 0;
  for (let i = 0; i < batch.attentionMask.length; i++) n += batch.attentionMask[i]!;
  return n;
}

/**
 * Checks every example at the boundary: ids and labels of one length, integer ids, labels an id or -100, packed
 * `sequenceStarts` 0 first and increasing below the length, and at least one label that is not the first of a
 * (packed) sequence (the only ones a causal LM predicts). Throws TrainerConfigError naming it.
 */
export function checkExamples(examples: readonly TrainExample[], label: string): void {
  if (!Array.isArray(examples) || examples.length === 0) {
    throw new TrainerConfigError(
      label,
      `${label}: expected a non-empty array of tokenized examples, got ${Array.isArray(examples) ? 'an empty array' : typeof examples}`,
    );
  }
  examples.forEach((ex, i) => {
    const key = `${label}[${i}]`;
    const n = ex?.inputIds?.length;
    if (!n || ex.labels?.length !== n) {
      throw new TrainerConfigError(
        key,
        `${key}: expected non-empty inputIds and one label per id, got ${n ?? 'no'} ids and ${ex?.labels?.length ?? 'no'} labels`,
      );
    }
    const starts = ex.sequenceStarts;
    if (
      starts !== undefined &&
      (!Array.isArray(starts) ||
        starts[0] !== 0 ||
        starts.some((s, i) => !Number.isInteger(s) || (i > 0 && !(s > starts[i - 1]! && s < n))))
    ) {
      throw new TrainerConfigError(
        key,
        `${key}.sequenceStarts: expected increasing offsets from 0 below ${n}, got ${Array.isArray(starts) ? `[${starts.join(', ')}]` : String(starts)}`,
      );
    }
    const startSet = new Set(starts ?? [0]);
    let predicted = 0;
    for (let t = 0; t < n; t++) {
      const id = ex.inputIds[t]!;
      const lab = ex.labels[t]!;
      if (!Number.isInteger(id) || id < 0)
        throw new TrainerConfigError(key, `${key}.inputIds[${t}]: expected a token id, got ${id}`);
      if (!Number.isInteger(lab) || (lab < 0 && lab !== -100)) {
        throw new TrainerConfigError(key, `${key}.labels[${t}]: expected a token id or -100, got ${lab}`);
      }
      if (!startSet.has(t) && lab !== -100) predicted++;
    }
    if (predicted === 0) {
      throw new TrainerConfigError(
        key,
        `${key}: expected at least one label after the first position, got none (every target token is masked; drop such examples when preparing the dataset)`,
      );
    }
  });
}

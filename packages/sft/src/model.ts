// The contract between the trainer and a model: one call runs forward (and backward) over a padded batch and
// reports summed token loss; gradients accumulate into the trainable parameters' `grad` until the trainer zeroes them.
import type { Parameter } from '@lora/core';

/** A padded (B, T) batch; labels are aligned with inputIds (the model shifts), -100 = not predicted. */
export interface TokenBatch {
  /** (B, T) */
  inputIds: Int32Array;
  /** (B, T) */
  labels: Int32Array;
  /** (B, T); 1 on real tokens */
  attentionMask?: Uint8Array;
  batch: number;
  seqLen: number;
}

export interface StepOptions {
  /** training mode: dropout (and NEFTune noise) active */
  training: boolean;
  /** run the backward pass too, accumulating d(lossScale · lossSum)/dθ into each trainable `grad` */
  backward: boolean;
  /** multiplier of the summed loss for the backward pass (1 / label tokens of the whole accumulated batch) */
  lossScale?: number;
  /** uniform [0, 1) draws for dropout and noise; the trainer's seeded, checkpointed generator */
  rng?: () => number;
  gradientCheckpointing?: boolean;
  /** NEFTune: uniform noise of scale alpha / sqrt(T · C) added to the input embeddings while training */
  neftuneNoiseAlpha?: number;
}

export interface StepResult {
  /** Σ −log p(label) over the predicted positions, in nats */
  lossSum: number;
  /** predicted positions counted (labels other than -100 after the shift) */
  tokens: number;
  /** of those, positions whose argmax equals the label */
  correct: number;
}

/** What the trainer drives: @lora/models' CausalLM with a LoRA adapter satisfies it. */
export interface TrainableModel {
  step(batch: TokenBatch, options: StepOptions): StepResult;
  /** every parameter; the optimizer updates those with `trainable: true` */
  parameters(): Parameter[];
}

/** One tokenized example as @lora/datasets produces it; labels aligned with inputIds, -100 = masked. */
export interface TrainExample {
  inputIds: readonly number[];
  labels: readonly number[];
}

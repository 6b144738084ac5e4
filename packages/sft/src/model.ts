// The contract between the trainer and a model: one call runs forward (and backward) over a padded batch and
// reports summed token loss; gradients accumulate into the trainable parameters' `grad` until the trainer zeroes them.
import type { Parameter, StepOptions, StepResult, TokenBatch } from '@lora/core';

// the batch, step options and result are declared once in @lora/core (shared with @lora/models)
export type { StepOptions, StepResult, TokenBatch } from '@lora/core';

/** What the trainer drives: @lora/models' CausalLM with a LoRA adapter satisfies it. */
export interface TrainableModel {
  step(batch: TokenBatch, options: StepOptions): StepResult;
  /** every parameter; the optimizer updates those with `trainable: true` */
  parameters(): Parameter[];
}

/**
 * One tokenized example as @lora/datasets produces it; labels aligned with inputIds, -100 = masked. A packed block
 * (`packExamples`) also carries `sequenceStarts`: collation turns them into position ids that restart at 0 there, so
 * each packed example gets its own positions and attends only to itself (TRL's padding-free packing).
 */
export interface TrainExample {
  inputIds: readonly number[];
  labels: readonly number[];
  /** offset of each packed example in the block: 0 first, increasing, below the length */
  sequenceStarts?: readonly number[];
}

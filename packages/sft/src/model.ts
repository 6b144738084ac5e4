// The contract between the trainer and a model: one call queues forward (and backward) over a padded batch and adds
// its summed token loss into a device array; gradients accumulate into the trainable parameters' `grad` until the
// trainer zeroes them. Nothing is read back by the model: the trainer reads once per optimizer step.
import type { F32, Parameter, StepOptions, TokenBatch } from '@lora/core';

// the batch, step options and result are declared once in @lora/core (shared with @lora/models)
export type { StepOptions, StepResult, TokenBatch } from '@lora/core';

/** What the trainer drives: @lora/models' CausalLM with a LoRA adapter satisfies it. */
export interface TrainableModel {
  /**
   * Queues the step and adds [Σ token loss, tokens predicted, tokens whose argmax is the label] into `stats` (three
   * values in the memory of the model's parameters).
   */
  stepInto(batch: TokenBatch, options: StepOptions, stats: F32): void;
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

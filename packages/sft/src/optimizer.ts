// The trainer's optimizers behind one interface — AdamW (torch.optim.AdamW), SGD (torch.optim.SGD at momentum 0) and
// 8-bit AdamW (bitsandbytes' AdamW8bit) — each over parameters packed into groups, one core kernel call per group and
// step, its state saved as optimizer.safetensors in the state_dict names of the library it reproduces.
import type { F32, Parameter } from '@lora/core';
import type { TensorInputs } from '@lora/safetensors';
import type { ParameterGroup } from './parameter-groups.js';

/** The optimizers a TrainingConfig's `optim` names, by their Hugging Face `optim` names. */
export const OPTIMIZER_NAMES = ['adamw_torch', 'adamw_8bit', 'sgd'] as const;

/** `adamw_torch`: torch.optim.AdamW; `adamw_8bit`: bitsandbytes' AdamW8bit; `sgd`: torch.optim.SGD (momentum 0). */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Whether `value` is one of OPTIMIZER_NAMES. */
export function isOptimizerName(value: unknown): value is OptimizerName {
  return (OPTIMIZER_NAMES as readonly unknown[]).includes(value);
}

/** What optimizer.safetensors holds: the state tensors by `<parameter name>.<state key>`, and the settings. */
export interface OptimizerStateFile {
  tensors: TensorInputs;
  /** `optimizer` (its name), `step`, and its hyperparameters as strings */
  metadata: Record<string, string>;
}

/** Optimizer state read back from a checkpoint: tensors by name, float32 or uint8 as they were saved. */
export type SavedOptimizerTensors = ReadonlyMap<string, Float32Array | Uint8Array>;

/** One optimizer over a model's trainable parameters, packed into groups (see parameter-groups.ts). */
export interface Optimizer {
  readonly name: OptimizerName;
  /** for messages: the class it reproduces, e.g. "AdamW" */
  readonly label: string;
  readonly params: readonly Parameter[];
  /** the packed parameters: the gradient norm, the NaN guard and zeroing run over these */
  readonly groups: readonly ParameterGroup[];
  /** steps taken so far */
  readonly stepCount: number;
  /** LoRA+'s ratio (lora_B and 1-D parameters at lr × it), or undefined for one learning rate (see loraplus.ts) */
  readonly loraplusLrRatio: number | undefined;
  /**
   * One update of every parameter from its `grad` at learning rate `lr`. With `gradScale` (1 value in the parameters'
   * memory, e.g. the clip factor kernel('gradClip') wrote) the gradients are scaled first, and a non-finite factor
   * skips the update; the step count advances either way, as the caller then stops on the error.
   */
  step(lr: number, gradScale?: F32): void;
  /** Bytes of optimizer state in the parameters' memory. */
  stateBytes(): number;
  /** The state as optimizer.safetensors holds it (one read of each state array). */
  saveState(): Promise<OptimizerStateFile>;
  /**
   * Restore the step count and state from what saveState wrote. Throws CheckpointError naming `path` and the tensor
   * that is missing or of the wrong size or type. `metadata` is what saveState wrote beside them.
   */
  loadState(
    step: number,
    tensors: SavedOptimizerTensors,
    path: string,
    metadata?: Readonly<Record<string, string>>,
  ): void;
}

// LoRA+ (Hayou et al. 2024; PEFT optimizers/loraplus.py create_loraplus_optimizer): lora_B matrices learn at
// lr × loraplus_lr_ratio. PEFT's rule puts every parameter whose name holds "lora_B", and every 1-D parameter (biases,
// norm weights, DoRA's magnitude), in the B groups; the rest (lora_A, 2-D modules_to_save weights) keep lr. Its
// "embedding" group (LoRA on an nn.Embedding: lora_embedding_A/B at loraplus_lr_embedding) has no members here,
// as adapters wrap linears only.
import type { Parameter } from '@lora/core';
import { TrainerConfigError } from './errors.js';

/** LoRA+'s setting of an optimizer's parameter groups; undefined: one learning rate for every parameter. */
export interface GroupOptions {
  /** lr of the B groups ÷ lr (PEFT's loraplus_lr_ratio); PEFT advises ≥ 1, e.g. 16 */
  loraplusLrRatio?: number;
}

/** The checked ratio, or undefined when LoRA+ is off; throws TrainerConfigError for a ratio that is not > 0. */
export function resolveLoraplusRatio(options: GroupOptions): number | undefined {
  const ratio = options.loraplusLrRatio;
  if (ratio === undefined) return undefined;
  if (!(typeof ratio === 'number' && Number.isFinite(ratio) && ratio > 0))
    throw new TrainerConfigError(
      'loraplusLrRatio',
      `loraplusLrRatio: expected a finite number > 0, got ${String(ratio)}`,
    );
  return ratio;
}

/** Whether PEFT's create_loraplus_optimizer puts `p` in a B group ("lora_B" in the name, or one dimension). */
export function isLoraplusB(p: Parameter): boolean {
  return p.name.includes('lora_B') || p.shape.length === 1;
}

/** Each parameter's learning-rate multiplier under LoRA+ at `ratio` (1 for all when undefined), for packParameters. */
export function loraplusLrScale(ratio: number | undefined): (p: Parameter) => number {
  return (p) => (ratio !== undefined && isLoraplusB(p) ? ratio : 1);
}

/** optimizer.safetensors' metadata for the setting ({} when off, so checkpoints without LoRA+ stay as they were). */
export function loraplusMetadata(ratio: number | undefined): Record<string, string> {
  return ratio === undefined ? {} : { loraplus_lr_ratio: String(ratio) };
}

// The Hugging Face `optim` names (transformers' OptimizerNames) for --optim: the ones this build runs — each one of
// @lora/sft's three optimizers (AdamW, bitsandbytes' 8-bit AdamW, SGD) — with a note where the name promises more
// than that, and the ones it refuses, with why.
import type { OptimizerName } from '@lora/sft';

/** What each Hugging Face `optim` name this build accepts runs: @lora/sft's TrainingConfig.optim. */
export const OPTIMIZER_RUNS = {
  adamw_torch: 'adamw_torch',
  adamw_torch_fused: 'adamw_torch',
  adamw_hf: 'adamw_torch',
  paged_adamw_32bit: 'adamw_torch',
  adamw_8bit: 'adamw_8bit',
  adamw_bnb_8bit: 'adamw_8bit',
  paged_adamw_8bit: 'adamw_8bit',
  sgd: 'sgd',
} as const satisfies Record<string, OptimizerName>;

/** The Hugging Face `optim` names this build runs. */
export const OPTIMIZERS = Object.keys(OPTIMIZER_RUNS) as (keyof typeof OPTIMIZER_RUNS)[];

/** The optimizer the trainer runs for an accepted --optim name. */
export function sftOptimizer(name: keyof typeof OPTIMIZER_RUNS): OptimizerName {
  return OPTIMIZER_RUNS[name];
}

/** Hugging Face optimizer names this build knows and refuses, with why. */
export const REFUSED_OPTIMIZERS: Readonly<Record<string, string>> = {
  adafactor: "Adafactor's factored second moments have no kernel in this build",
};

const NOTHING_TO_PAGE =
  'paging moves optimizer state to CPU RAM when GPU memory runs short, and here the state is packed arrays per parameter group, allocated once in host memory (wasm) or device memory (webgpu), so there is nothing to page';

/** The note for a name that runs less than it says (see OptionSpec.note). */
export function optimizerNote(value: unknown): string | undefined {
  if (value === 'paged_adamw_32bit') return `runs plain AdamW: ${NOTHING_TO_PAGE}`;
  if (value === 'paged_adamw_8bit') return `runs adamw_8bit: ${NOTHING_TO_PAGE}`;
  if (value === 'adamw_hf') {
    return "runs torch's AdamW: transformers' own AdamW (since removed from transformers) added eps before the bias correction and applied weight decay after the step, so its numbers differ slightly";
  }
  return undefined;
}

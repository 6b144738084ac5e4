// The NaN/Inf guard: after each backward (loss, gradients) and each update (parameters), the first non-finite
// value stops training with a TrainingError naming the step, the parameter and the tensor.
import type { Parameter } from '@lora/core';
import { type BadTensor, TrainingError } from './errors.js';

function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

const ADVICE = 'lower the learning rate, set maxGradNorm, or check the data of this step';

/** Throws when the micro-batch loss sum is not finite. `where` says which micro-batch, e.g. "micro-batch 2 of 4". */
export function checkLoss(lossSum: number, step: number, where: string): void {
  if (Number.isFinite(lossSum)) return;
  throw new TrainingError(
    `non-finite loss at step ${step} (${where}): expected a finite loss sum, got ${lossSum}; ${ADVICE}`,
    { step, tensor: 'loss', value: lossSum },
  );
}

/** Throws at the first parameter whose grad (or data, for `tensor: 'param'`) holds NaN or ±Infinity. */
export function checkTensors(
  params: readonly Parameter[],
  tensor: Exclude<BadTensor, 'loss'>,
  step: number,
  where: string,
): void {
  for (const p of params) {
    const values = tensor === 'grad' ? p.grad : p.data;
    if (!values) continue;
    const index = firstNonFinite(values);
    if (index < 0) continue;
    const value = values[index]!;
    throw new TrainingError(
      `non-finite ${tensor} at step ${step} (${where}): parameter "${p.name}" ${tensor}[${index}] is ${value}, expected a finite value; ${ADVICE}`,
      { step, tensor, parameter: p.name, index, value },
    );
  }
}

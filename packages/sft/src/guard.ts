// The NaN/Inf guard: the device counts non-finite gradients after each backward and parameters after each update;
// after the step's one read, the first non-finite value stops training with a TrainingError naming the step, the
// parameter and the tensor (finding it reads the tensors back: only ever on the way to that error).
import { type Parameter, toHost } from '@lora/core';
import { type BadTensor, TrainingError } from './errors.js';

const ADVICE = 'lower the learning rate, set maxGradNorm, or check the data of this step';

/** Throws when the micro-batch loss sum is not finite. `where` says which micro-batch, e.g. "micro-batch 2 of 4". */
export function checkLoss(lossSum: number, step: number, where: string): void {
  if (Number.isFinite(lossSum)) return;
  throw new TrainingError(
    `non-finite loss at step ${step} (${where}): expected a finite loss sum, got ${lossSum}; ${ADVICE}`,
    { step, tensor: 'loss', value: lossSum },
  );
}

/**
 * Throws when the gradient norm is not finite although every gradient is (their squares overflowed float32): the
 * clip factor is NaN then, so AdamW skipped the update, and the run must not go on as if it had stepped.
 */
export function checkNorm(gradNorm: number, step: number): void {
  if (Number.isFinite(gradNorm)) return;
  throw new TrainingError(
    `non-finite gradient norm at step ${step}: expected a finite norm, got ${gradNorm} (the squares of finite gradients overflow float32); ${ADVICE}`,
    { step, tensor: 'grad', value: gradNorm },
  );
}

/**
 * Throws at the first parameter whose grad (or data, for `tensor: 'param'`) holds NaN or ±Infinity, reading the
 * tensors back; returns when all are finite.
 */
export async function checkTensors(
  params: readonly Parameter[],
  tensor: Exclude<BadTensor, 'loss'>,
  step: number,
  where: string,
): Promise<void> {
  for (const p of params) {
    const array = tensor === 'grad' ? p.grad : p.data;
    if (!array) continue;
    const values = await toHost(array);
    const index = values.findIndex((v) => !Number.isFinite(v));
    if (index < 0) continue;
    const value = values[index]!;
    throw new TrainingError(
      `non-finite ${tensor} at step ${step} (${where}): parameter "${p.name}" ${tensor}[${index}] is ${value}, expected a finite value; ${ADVICE}`,
      { step, tensor, parameter: p.name, index, value },
    );
  }
}

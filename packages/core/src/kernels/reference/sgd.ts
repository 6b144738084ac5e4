// Reference SGD step, torch.optim.SGD (_single_tensor_sgd) at Hugging Face's defaults: momentum 0, dampening 0, no
// nesterov, weight decay added to the gradient.
import { checkDims, checkFinite, checkLength } from '../check.js';
import type { HostArgs } from '../../device/arrays.js';
import type { SgdArgs } from '../types.js';

/** Dims, the hyperparameters and the lengths. */
export function checkSgdArgs(args: SgdArgs): void {
  const { param, grad, lr, weightDecay, n, gradScale } = args;
  checkDims('sgd', { n });
  for (const [key, value] of Object.entries({ lr, weightDecay })) checkFinite('sgd', key, value);
  for (const [label, arr] of Object.entries({ param, grad })) checkLength('sgd', `${label} (n)`, arr, n);
  if (gradScale !== undefined) checkLength('sgd', 'gradScale (1)', gradScale, 1);
}

/**
 * g ← f32(grad · gradScale[0]); g ← f32(g + wd·p); p ← p − lr·g. torch casts each `alpha` (weight_decay, −lr) to
 * float32 and computes `a + alpha·b` as one fused float32 operation: the f32 product of two float32 values is exact in
 * float64, so f32(a + f32(alpha)·b) is that operation (bar a double rounding on an exact tie). A non-finite gradScale
 * skips the update; grad is never written.
 */
export function sgd(args: HostArgs<SgdArgs>): void {
  checkSgdArgs(args);
  const { param, grad, lr, weightDecay, n, gradScale } = args;
  const factor = gradScale?.[0] ?? 1;
  if (!Number.isFinite(factor)) return;
  const [lr32, wd32] = [Math.fround(lr), Math.fround(weightDecay)];
  for (let i = 0; i < n; i++) {
    const scaled = factor === 1 ? grad[i]! : Math.fround(grad[i]! * factor);
    const g = wd32 === 0 ? scaled : Math.fround(scaled + wd32 * param[i]!);
    param[i] = param[i]! - lr32 * g;
  }
}

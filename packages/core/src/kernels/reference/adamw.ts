// Reference AdamW step, torch.optim.AdamW (_single_tensor_adamw, amsgrad off), in torch's operation order.
import { checkDims, checkFinite, checkLength, KernelArgumentError } from '../check.js';
import type { HostArgs } from '../../device/arrays.js';
import type { AdamwArgs } from '../types.js';

/** Dims, step, the hyperparameters and the lengths. */
export function checkAdamwArgs(args: AdamwArgs): void {
  const { param, grad, m, v, step, lr, beta1, beta2, eps, weightDecay, n, gradScale } = args;
  checkDims('adamw', { n });
  if (!Number.isInteger(step) || step < 1) {
    throw new KernelArgumentError(
      `adamw: step expected an integer >= 1 (1-based, after this update), got ${step}`,
    );
  }
  for (const [key, value] of Object.entries({ lr, eps, weightDecay })) checkFinite('adamw', key, value);
  for (const [key, value] of Object.entries({ beta1, beta2 })) {
    if (!(value >= 0 && value < 1))
      throw new KernelArgumentError(`adamw: ${key} expected in [0, 1), got ${value}`);
  }
  for (const [label, arr] of Object.entries({ param, grad, m, v }))
    checkLength('adamw', `${label} (n)`, arr, n);
  if (gradScale !== undefined) checkLength('adamw', 'gradScale (1)', gradScale, 1);
}

/**
 * p ← p·(1 − lr·wd); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 * p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps). Stored values are read back, as torch reads its tensors.
 * With gradScale, g = f32(grad · gradScale[0]) (clip_grad_norm_ scales the stored gradient); a non-finite gradScale
 * skips the update.
 */
export function adamw(args: HostArgs<AdamwArgs>): void {
  checkAdamwArgs(args);
  const { param, grad, m, v, step, lr, beta1, beta2, eps, weightDecay, n, gradScale } = args;
  const factor = gradScale?.[0] ?? 1;
  if (!Number.isFinite(factor)) return;
  const decay = 1 - lr * weightDecay;
  const stepSize = lr / (1 - beta1 ** step);
  const bias2Sqrt = Math.sqrt(1 - beta2 ** step);
  for (let i = 0; i < n; i++) {
    const g = factor === 1 ? grad[i]! : Math.fround(grad[i]! * factor);
    param[i] = param[i]! * decay;
    m[i] = beta1 * m[i]! + (1 - beta1) * g;
    v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
    const denom = Math.sqrt(v[i]!) / bias2Sqrt + eps;
    param[i] = param[i]! - stepSize * (m[i]! / denom);
  }
}

// adamw's gradScale on a host backend whose own AdamW kernel predates it: apply the clip factor to the gradient in
// place (as torch's clip_grad_norm_ does) and say whether the update runs at all.
import type { HostArgs } from '../device/arrays.js';
import { checkLength } from './check.js';
import type { AdamwArgs } from './types.js';

/** Multiplies grad by gradScale[0] in float32 (when given and ≠ 1); false when the factor is not finite (skip). */
export function applyGradScale(args: HostArgs<AdamwArgs>): boolean {
  const { gradScale, grad, n } = args;
  if (gradScale === undefined) return true;
  checkLength('adamw', 'gradScale (1)', gradScale, 1);
  const factor = gradScale[0]!;
  if (!Number.isFinite(factor)) return false;
  if (factor !== 1) for (let i = 0; i < n; i++) grad[i] = Math.fround(grad[i]! * factor);
  return true;
}

// The gradient norm on the device, torch.nn.utils.clip_grad_norm_ (norm_type 2, eps 1e-6): the summed squares of
// every packed gradient, then the clip factor AdamW applies (kernel('gradClip')). Nothing is read back here.
import { type F32, kernel } from '@lora/core';
import type { ParameterGroup } from './parameter-groups.js';

/** out[0] = Σ over every group's gradients of g² (one kernel per group; out[0] is overwritten). */
export function gradSumSquares(groups: readonly ParameterGroup[], out: F32): void {
  kernel('fill')({ x: out, n: 1, value: 0 });
  for (const g of groups) kernel('sumSquares')({ x: g.grad, n: g.size, out });
}

/**
 * factor[0] = min(1, maxNorm / (√sumSquares + 1e-6)) as clip_grad_norm_ scales the gradients (1 when maxNorm ≤ 0,
 * NaN when the norm is not finite, which makes AdamW skip the update). The norm transformers logs as grad_norm is
 * √sumSquares, taken before clipping.
 */
export function clipFactor(sumSquares: F32, maxNorm: number, factor: F32): void {
  kernel('gradClip')({ sumSquares, maxNorm: Math.max(maxNorm , 0), factor });
}

// Gradient-norm clipping over all trainable parameters, torch.nn.utils.clip_grad_norm_ (norm_type 2, eps 1e-6).
import type { Parameter } from '@lora/core';

/** The 2-norm of all the gradients taken together: sqrt(Σ_p Σ_i g²), summed in float64. */
export function gradNorm(params: readonly Parameter[]): number {
  let sumSq = 0;
  for (const p of params) {
    const g = p.grad;
    if (!g) continue;
    for (let i = 0; i < g.length; i++) sumSq += g[i]! * g[i]!;
  }
  return Math.sqrt(sumSq);
}

/**
 * Scale every gradient by min(1, maxNorm / (total + 1e-6)) as clip_grad_norm_ does, and return the total norm
 * measured before clipping (what transformers logs as grad_norm). `maxNorm` <= 0 measures without clipping.
 * Differs from torch only in summing in float64 (torch sums per-tensor f32 norms), so the norm may differ in the
 * last f32 bits.
 */
export function clipGradNorm(params: readonly Parameter[], maxNorm: number): number {
  const total = gradNorm(params);
  if (!(maxNorm > 0)) return total;
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    for (const p of params) {
      const g = p.grad;
      if (!g) continue;
      for (let i = 0; i < g.length; i++) g[i] = g[i]! * coef;
    }
  }
  return total;
}

// Cases of adamw: a first step with weight decay and a later one without, odd sizes and sizes over 4096, and the
// clip factor (gradScale) including a non-finite one that skips the update.
import { caseList, type KernelCase } from './case-list.js';
import { normal, uniform } from './inputs.js';

const { cases, add } = caseList();

for (const n of [1, 7, 1031, 4099, 65539]) {
  for (const [step, lr, beta2, eps, weightDecay] of [
    [1, 1e-3, 0.999, 1e-8, 0.01],
    [10, 2e-4, 0.95, 1e-6, 0],
  ] as const) {
    add('adamw', `n ${n} step ${step} weight decay ${weightDecay}`, (rng) => ({
      param: normal(rng, n, 0.02),
      grad: normal(rng, n, 0.01),
      m: normal(rng, n, 0.01),
      v: uniform(rng, n, 0, 1e-4),
      step,
      lr,
      beta1: 0.9,
      beta2,
      eps,
      weightDecay,
      n,
    }));
  }
}
for (const [label, scale] of [
  ['clip factor 0.25', 0.25],
  ['clip factor 1', 1],
  ['non-finite factor skips the update', Number.NaN],
] as const) {
  add('adamw', `n 1031 gradScale: ${label}`, (rng) => ({
    param: normal(rng, 1031, 0.02),
    grad: normal(rng, 1031, 0.01),
    m: normal(rng, 1031, 0.01),
    v: uniform(rng, 1031, 0, 1e-4),
    step: 3,
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0.01,
    n: 1031,
    gradScale: Float32Array.from([scale]),
  }));
}

export const ADAMW_CASES: readonly KernelCase[] = cases;

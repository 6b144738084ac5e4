// Cases of sgd (torch.optim.SGD, momentum 0): plain steps, with weight decay, and the clip factor (gradScale)
// including a non-finite one that skips the update.
import { caseList, type KernelCase } from './case-list.js';
import { normal } from './inputs.js';

const { cases, add } = caseList();

for (const n of [1, 7, 1031, 65539]) {
  for (const [lr, weightDecay] of [
    [0.1, 0],
    [1e-3, 0.01],
  ] as const) {
    add('sgd', `n ${n} lr ${lr} weight decay ${weightDecay}`, (rng) => ({
      param: normal(rng, n, 0.02),
      grad: normal(rng, n, 0.01),
      lr,
      weightDecay,
      n,
    }));
  }
}
for (const [label, scale] of [
  ['clip factor 0.25', 0.25],
  ['non-finite factor skips the update', Number.NaN],
] as const) {
  add('sgd', `n 1031 gradScale: ${label}`, (rng) => ({
    param: normal(rng, 1031, 0.02),
    grad: normal(rng, 1031, 0.01),
    lr: 0.05,
    weightDecay: 0.1,
    n: 1031,
    gradScale: Float32Array.from([scale]),
  }));
}

export const SGD_CASES: readonly KernelCase[] = cases;

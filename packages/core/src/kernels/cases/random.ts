// Cases of the counter-stream kernels, dropout and NEFTune's uniform noise: p 0, 0.1 and 0.5, odd sizes and sizes over
// 4096, in place, and the largest seed.
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned } from './inputs.js';

const { cases, add } = caseList();

for (const n of [1, 7, 1031, 5003, 65539]) {
  for (const p of [0, 0.1, 0.5]) {
    add('dropout', `n ${n} p ${p}`, (rng) => ({
      x: normal(rng, n),
      out: poisoned(n),
      n,
      p,
      seed: rng.int(2 ** 32),
    }));
  }
  add('uniformNoise', `n ${n}`, (rng) => ({
    x: normal(rng, n),
    n,
    magnitude: 0.0316,
    seed: rng.int(2 ** 32),
  }));
}
add('dropout', 'in place, seed 2³² − 1', (rng) => {
  const x = normal(rng, 1031);
  return { x, out: x, n: 1031, p: 0.05, seed: 2 ** 32 - 1 };
});

export const RANDOM_CASES: readonly KernelCase[] = cases;

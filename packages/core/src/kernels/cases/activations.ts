// Cases of silu and geluTanh and their backwards: the far tails (±100), gelu's cancelling region (x ≈ −4.5 and the
// −1.2785 where its slope is 0), odd sizes and sizes over 4096.
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned, type Rng } from './inputs.js';

const { cases, add } = caseList();

const TAILS = [-100, -20, -8, -4.5, -1.2785, 0, 4.5, 20, 100];
const activationInput = (rng: Rng, n: number) => {
  const x = normal(rng, n, 3);
  TAILS.slice(0, n).forEach((v, i) => {
    x[(i * 7919) % n] = v;
  });
  return x;
};
for (const n of [1, 7, 1031, 4099, 58241]) {
  for (const name of ['silu', 'geluTanh'] as const) {
    add(name, `n ${n}`, (rng) => ({ x: activationInput(rng, n), out: poisoned(n), n }));
    add(`${name}Backward`, `n ${n}`, (rng) => ({
      x: activationInput(rng, n),
      dout: normal(rng, n),
      dx: poisoned(n),
      n,
    }));
  }
}

export const ACTIVATION_CASES: readonly KernelCase[] = cases;

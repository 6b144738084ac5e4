// Cases of the elementwise and bias kernels (add, mul, axpy, scale, addBias, columnSums): sizes around the thread-split
// thresholds, odd tails (not multiples of 4 or 8), in-place calls, rows and columns over 1000.
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned } from './inputs.js';

const { cases, add } = caseList();

for (const n of [1, 7, 1031, 5003, 65539]) {
  for (const kernel of ['add', 'mul'] as const)
    add(kernel, `n ${n}`, (rng) => ({ a: normal(rng, n), b: normal(rng, n), out: poisoned(n), n }));
  add('axpy', `n ${n}`, (rng) => ({ x: normal(rng, n), y: normal(rng, n), n, alpha: 0.37 }));
  add('scale', `n ${n}`, (rng) => ({ x: normal(rng, n), out: poisoned(n), n, alpha: 45.254833995939045 }));
}
for (const [kernel, n] of [
  ['add', 1031],
  ['mul', 1031],
  ['mul', 4099],
] as const) {
  add(kernel, `in place (out = a)${n === 1031 ? '' : `, n ${n}`}`, (rng) => {
    const a = normal(rng, n);
    return { a, b: normal(rng, n), out: a, n };
  });
}
add('add', 'in place (out = b), n 4099', (rng) => {
  const b = normal(rng, 4099);
  return { a: normal(rng, 4099), b, out: b, n: 4099 };
});
for (const [n, alpha] of [
  [1031, -3],
  [4099, -1 / 3],
] as const) {
  add('scale', `in place${n === 1031 ? '' : `, n ${n}`}`, (rng) => {
    const x = normal(rng, n);
    return { x, out: x, n, alpha };
  });
}
for (const [rows, cols] of [
  [1, 1],
  [3, 9],
  [7, 13],
  [127, 1031],
  [1031, 65],
] as const) {
  add('addBias', `${rows}×${cols}`, (rng) => ({
    x: normal(rng, rows * cols),
    bias: normal(rng, cols),
    rows,
    cols,
  }));
  add('columnSums', `${rows}×${cols}`, (rng) => ({
    x: normal(rng, rows * cols),
    outAccumulate: normal(rng, cols),
    rows,
    cols,
  }));
}

export const ELEMENTWISE_CASES: readonly KernelCase[] = cases;

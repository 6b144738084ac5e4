// Cases of the gradient statistics: sumSquares and countNonFinite over odd sizes and sizes past the 65536-element
// chunks, NaN, ±Infinity and the largest finite float32; gradClip clipped, under the limit, off, zero and non-finite.
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned } from './inputs.js';

const { cases, add } = caseList();

for (const n of [1, 7, 1031, 65539, 3 * 65536 + 5]) {
  add('sumSquares', `n ${n}`, (rng) => ({ x: normal(rng, n, 0.01), n, out: Float32Array.from([0.25]) }));
  add('countNonFinite', `n ${n}, all finite`, (rng) => ({
    x: normal(rng, n),
    n,
    out: Float32Array.from([2]),
  }));
}
for (const n of [7, 1031, 3 * 65536 + 5]) {
  add('countNonFinite', `n ${n}, poisoned`, (rng) => {
    const x = normal(rng, n);
    for (let i = 3; i < n; i += 997)
      x[i] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][i % 3]!;
    x[n - 1] = 3.4028234663852886e38; // the largest finite float32
    return { x, n, out: Float32Array.from([2]) };
  });
}
add('countNonFinite', 'NaN, ±Infinity and the largest finite value', (rng) => {
  const x = normal(rng, 1031);
  [x[0], x[17], x[500], x[1030], x[3]] = [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
    3.4028234663852886e38,
  ];
  return { x, n: 1031, out: Float32Array.from([0]) };
});
for (const [label, sum, maxNorm] of [
  ['clipped', 16, 1],
  ['under the limit', 0.25, 1],
  ['no clipping (maxNorm 0)', 16, 0],
  ['zero gradients', 0, 1],
  ['non-finite norm', Number.POSITIVE_INFINITY, 1],
  ['NaN norm', Number.NaN, 1],
] as const) {
  add('gradClip', label, () => ({ sumSquares: Float32Array.from([sum]), maxNorm, factor: poisoned(1) }));
}

export const GRAD_STATS_CASES: readonly KernelCase[] = cases;

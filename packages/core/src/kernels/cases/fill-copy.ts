// Cases of fill and stridedCopy: float32 and int32 fills (0, −Infinity, NaN, −1) over a buffer longer than n, and
// the copies a model makes — head transposes, long contiguous runs, a qkv split, a KV-cache write.
import { caseList, type KernelCase } from './case-list.js';
import { ints, normal, poisoned, type Rng } from './inputs.js';

const { cases, add } = caseList();

for (const n of [1, 7, 1031, 5003, 65539])
  add('fill', `n ${n}`, (rng) => ({ x: normal(rng, n + 3), n, value: rng.uniform(-2, 2) }));
add('fill', 'zero', (rng) => ({ x: normal(rng, 9), n: 9, value: 0 }));
add('fill', '−Infinity', (rng) => ({ x: normal(rng, 9), n: 5, value: Number.NEGATIVE_INFINITY }));
add('fill', 'NaN', (rng) => ({ x: normal(rng, 1031), n: 1031, value: Number.NaN }));
add('fill', 'int32 −1', (rng) => ({ x: ints(rng, 1031, 100), n: 1030, value: -1 }));

/** (A, B, C, D) → (A, C, B, D), the head-layout transpose. */
function swapMiddle(a: number, b: number, c: number, d: number) {
  return (rng: Rng) => ({
    src: normal(rng, a * b * c * d),
    dst: poisoned(a * b * c * d),
    counts: [a, b, c] as const,
    inner: d,
    srcStrides: [b * c * d, c * d, d] as const,
    dstStrides: [c * b * d, d, b * d] as const,
  });
}
add('stridedCopy', '(1, 1, 1, 1) swap', swapMiddle(1, 1, 1, 1));
add('stridedCopy', '(2, 7, 3, 5) swap', swapMiddle(2, 7, 3, 5));
add('stridedCopy', '(1, 3, 2, 67) swap (bulk runs)', swapMiddle(1, 3, 2, 67));
add('stridedCopy', '(1, 33, 14, 64) swap', swapMiddle(1, 33, 14, 64));
add('stridedCopy', '(2, 14, 17, 64) swap', swapMiddle(2, 14, 17, 64));
add('stridedCopy', 'split 13 rows of a fused (13, 96) qkv, middle 32 columns', (rng) => ({
  src: normal(rng, 13 * 96).subarray(32),
  dst: poisoned(13 * 32),
  counts: [13, 1, 1] as const,
  inner: 32,
  srcStrides: [96, 0, 0] as const,
  dstStrides: [32, 0, 0] as const,
}));
add('stridedCopy', 'keys (2, 3, 2, 8) into a (2, 2, 11, 8) cache at 5', (rng) => ({
  src: normal(rng, 2 * 3 * 2 * 8),
  dst: normal(rng, 2 * 2 * 11 * 8).subarray(5 * 8),
  counts: [2, 3, 2] as const,
  inner: 8,
  srcStrides: [3 * 2 * 8, 2 * 8, 8] as const,
  dstStrides: [2 * 11 * 8, 8, 11 * 8] as const,
}));

export const FILL_COPY_CASES: readonly KernelCase[] = cases;

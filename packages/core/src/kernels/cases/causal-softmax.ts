// Cases of causalSoftmax (the masked attention softmax): training blocks with and without left/right padding, scores
// that hold NaN and +Infinity where nothing may read them (future and padded keys), decoding over 1037 keys in place.
// (A NaN score a query does see is the CPU backends' own test: WGSL does not promise NaN propagation.)
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned, type Rng } from './inputs.js';

const { cases, add } = caseList();

/** Padding flags (1 = real) for `total` keys with `pad` padded at the left (or right). */
function paddingMask(total: number, pad: number, left: boolean): number[] {
  return Array.from({ length: total }, (_, j) => ((left ? j >= pad : j < total - pad) ? 1 : 0));
}

/** Scores whose future keys hold NaN and +Infinity (never read) and, with a mask, padded keys too. */
function poisonedScores(
  rng: Rng,
  [blocks, heads, queries, keys, queryStart]: readonly number[],
  mask?: readonly number[],
): Float32Array {
  const x = normal(rng, blocks! * heads! * queries! * keys!, 3);
  for (let b = 0; b < blocks!; b++) {
    for (let r = 0; r < heads! * queries!; r++) {
      const base = (b * heads! * queries! + r) * keys!;
      const last = queryStart! + (r % queries!);
      for (let j = 0; j < keys!; j++) {
        const padded = mask !== undefined && mask[b * keys! + j] === 0;
        if (j > last || padded) x[base + j] = (j & 1) === 0 ? Number.NaN : Number.POSITIVE_INFINITY;
      }
    }
  }
  return x;
}

for (const [blocks, heads, length] of [
  [1, 1, 1],
  [2, 3, 7],
  [3, 14, 33],
  [1, 2, 129],
] as const) {
  const shape = { blocks, heads, queries: length, keys: length, queryStart: 0 };
  const size = blocks * heads * length * length;
  const mask = [
    ...paddingMask(length, Math.floor(length / 3), true),
    ...paddingMask(length, Math.floor(length / 2), false),
  ];
  while (mask.length < blocks * length) mask.push(...paddingMask(length, 0, true));
  mask.length = blocks * length;
  const padding = {
    keyMask: Int32Array.from(mask),
    maskOffsets: Int32Array.from({ length: blocks }, (_, b) => b * length),
  };
  const label = `training ${blocks}×${heads}×${length}²`;
  add('causalSoftmax', `${label}, no padding`, (rng) => ({
    x: normal(rng, size, 3),
    out: poisoned(size),
    ...shape,
  }));
  add('causalSoftmax', `${label}, left and right padding`, (rng) => ({
    x: normal(rng, size, 3),
    out: poisoned(size),
    ...shape,
    ...padding,
  }));
  add('causalSoftmax', `${label}, future keys poisoned`, (rng) => ({
    x: poisonedScores(rng, [blocks, heads, length, length, 0]),
    out: poisoned(size),
    ...shape,
  }));
  add('causalSoftmax', `${label}, padded`, (rng) => ({
    x: poisonedScores(rng, [blocks, heads, length, length, 0], mask),
    out: poisoned(size),
    ...shape,
    ...padding,
  }));
}
add('causalSoftmax', 'decoding 2 new queries over 1037 keys, padded prompt, in place', (rng) => {
  const x = normal(rng, 4 * 2 * 1037, 3);
  return {
    x,
    out: x,
    blocks: 1,
    heads: 4,
    queries: 2,
    keys: 1037,
    queryStart: 1035,
    keyMask: Int32Array.from([9, 9, 9, ...paddingMask(1100, 20, true)]),
    maskOffsets: Int32Array.from([3]),
  };
});
add('causalSoftmax', 'decoding 3 new queries over 1037 keys, poisoned padded prompt, in place', (rng) => {
  const mask = Array.from({ length: 1037 }, (_, j) => (j >= 20 && j !== 700 ? 5 : 0));
  const x = poisonedScores(rng, [1, 4, 3, 1037, 1034], mask);
  return {
    x,
    out: x,
    blocks: 1,
    heads: 4,
    queries: 3,
    keys: 1037,
    queryStart: 1034,
    keyMask: Int32Array.from([1, 1, ...mask]),
    maskOffsets: Int32Array.of(2),
  };
});
export const CAUSAL_SOFTMAX_CASES: readonly KernelCase[] = cases;

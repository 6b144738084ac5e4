// Seeded cases for the per-step arithmetic kernels' tests: sizes under and over HOST_LOOP_MAX, odd tails (not
// multiples of 4 or 8), in-place calls, padded and decoding attention with poisoned (NaN, Infinity) scores where
// nothing may read them, ties and signed zeros for the argmax, several statistic chunks. Each output's tolerance
// against the float64 reference is the conformance suite's (packages/conformance/src/tolerances.ts); most are exact.
import { referenceKernels as ref } from '@lora/core';
import type { makeRng } from '@lora/testing';
import type { ElementwiseKernelName } from '../elementwise-register.js';
import type { CaseTolerance } from './elementwise-cases.js';

type Rng = ReturnType<typeof makeRng>;

export interface StepCase {
  kernel: ElementwiseKernelName;
  name: string;
  args: (rng: Rng) => Record<string, unknown>;
  outputs: Record<string, CaseTolerance>;
}

const normal = (rng: Rng, n: number, scale = 1) =>
  Float32Array.from({ length: n }, () => scale * rng.normal());
const poisoned = (n: number) => new Float32Array(n).fill(Number.NaN);
const EXACT: CaseTolerance = { rtol: 0 };

export const STEP_CASES: StepCase[] = [];
const add = (
  kernel: ElementwiseKernelName,
  name: string,
  args: StepCase['args'],
  outputs: StepCase['outputs'],
) => STEP_CASES.push({ kernel, name, args, outputs });

// --- fill, strided copy -----------------------------------------------------------------------------------------
for (const n of [7, 1031, 5003])
  add('fill', `float32 n ${n}`, (rng) => ({ x: normal(rng, n + 3), n, value: rng.normal() }), { x: EXACT });
add(
  'fill',
  'int32 −1',
  (rng) => ({ x: Int32Array.from({ length: 1031 }, () => rng.int(100)), n: 1030, value: -1 }),
  { x: EXACT },
);
add('fill', 'float32 NaN', (rng) => ({ x: normal(rng, 1031), n: 1031, value: Number.NaN }), { x: EXACT });

/** (A, B, C, D) → (A, C, B, D), the head-layout transpose. */
function swapMiddle(a: number, b: number, c: number, d: number): StepCase['args'] {
  return (rng) => ({
    src: normal(rng, a * b * c * d),
    dst: poisoned(a * b * c * d),
    counts: [a, b, c] as const,
    inner: d,
    srcStrides: [b * c * d, c * d, d] as const,
    dstStrides: [c * b * d, d, b * d] as const,
  });
}
add('stridedCopy', '(2, 7, 3, 5) swap', swapMiddle(2, 7, 3, 5), { dst: EXACT });
add('stridedCopy', '(2, 14, 17, 64) swap', swapMiddle(2, 14, 17, 64), { dst: EXACT });
add('stridedCopy', '(1, 3, 2, 67) swap (bulk runs)', swapMiddle(1, 3, 2, 67), { dst: EXACT });
add(
  'stridedCopy',
  'keys (2, 3, 2, 8) into a (2, 2, 11, 8) cache at 5: the rest of the cache untouched',
  (rng) => ({
    src: normal(rng, 2 * 3 * 2 * 8),
    dst: normal(rng, 2 * 2 * 11 * 8).subarray(5 * 8),
    counts: [2, 3, 2] as const,
    inner: 8,
    srcStrides: [3 * 2 * 8, 2 * 8, 8] as const,
    dstStrides: [2 * 11 * 8, 8, 11 * 8] as const,
  }),
  { dst: EXACT },
);

// --- elementwise, bias ------------------------------------------------------------------------------------------
for (const n of [7, 1031, 5003]) {
  add('add', `n ${n}`, (rng) => ({ a: normal(rng, n), b: normal(rng, n), out: poisoned(n), n }), {
    out: EXACT,
  });
  add('mul', `n ${n}`, (rng) => ({ a: normal(rng, n), b: normal(rng, n), out: poisoned(n), n }), {
    out: EXACT,
  });
  add('axpy', `n ${n}`, (rng) => ({ x: normal(rng, n), y: normal(rng, n), n, alpha: 0.37 }), { y: EXACT });
  add('scale', `n ${n}`, (rng) => ({ x: normal(rng, n), out: poisoned(n), n, alpha: 45.254833995939045 }), {
    out: EXACT,
  });
}
add(
  'add',
  'in place (out = b)',
  (rng) => {
    const b = normal(rng, 4099);
    return { a: normal(rng, 4099), b, out: b, n: 4099 };
  },
  { out: EXACT },
);
add(
  'mul',
  'in place (out = a)',
  (rng) => {
    const a = normal(rng, 4099);
    return { a, b: normal(rng, 4099), out: a, n: 4099 };
  },
  { out: EXACT },
);
add(
  'scale',
  'in place',
  (rng) => {
    const x = normal(rng, 4099);
    return { x, out: x, n: 4099, alpha: -1 / 3 };
  },
  { out: EXACT },
);
for (const [rows, cols] of [
  [1, 1],
  [7, 13],
  [3, 9],
  [127, 1031],
  [1031, 65],
] as const) {
  add(
    'addBias',
    `${rows}×${cols}`,
    (rng) => ({ x: normal(rng, rows * cols), bias: normal(rng, cols), rows, cols }),
    {
      x: EXACT,
    },
  );
  add(
    'columnSums',
    `${rows}×${cols}`,
    (rng) => ({ x: normal(rng, rows * cols), outAccumulate: normal(rng, cols), rows, cols }),
    { outAccumulate: EXACT },
  );
}

// --- dropout, NEFTune noise ---------------------------------------------------------------------------------------
for (const n of [7, 1031, 5003]) {
  for (const p of [0, 0.1, 0.5]) {
    add(
      'dropout',
      `n ${n} p ${p}`,
      (rng) => ({ x: normal(rng, n), out: poisoned(n), n, p, seed: rng.int(2 ** 32) }),
      {
        out: EXACT,
      },
    );
  }
  add(
    'uniformNoise',
    `n ${n}`,
    (rng) => ({ x: normal(rng, n), n, magnitude: 0.0316, seed: rng.int(2 ** 32) }),
    {
      x: EXACT,
    },
  );
}
add(
  'dropout',
  'in place, seed 2³² − 1',
  (rng) => {
    const x = normal(rng, 1031);
    return { x, out: x, n: 1031, p: 0.05, seed: 2 ** 32 - 1 };
  },
  { out: EXACT },
);

// --- causal softmax -----------------------------------------------------------------------------------------------
const PROBABILITIES: CaseTolerance = { rtol: 2e-5, atol: 1e-30 };

/** Scores whose future keys hold NaN and +Infinity (never read) and, with a mask, padded keys too. */
function poisonedScores(
  rng: Rng,
  blocks: number,
  heads: number,
  queries: number,
  keys: number,
  queryStart: number,
  mask?: number[],
): Float32Array {
  const x = normal(rng, blocks * heads * queries * keys, 3);
  for (let b = 0; b < blocks; b++) {
    for (let r = 0; r < heads * queries; r++) {
      const base = (b * heads * queries + r) * keys;
      const last = queryStart + (r % queries);
      for (let j = 0; j < keys; j++) {
        const padded = mask !== undefined && mask[b * keys + j] === 0;
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
  const mask = Array.from({ length: blocks * length }, (_, i) => {
    const [b, j] = [Math.floor(i / length), i % length];
    if (b === 0) return j >= Math.floor(length / 3) ? 1 : 0; // left padding
    if (b === 1) return j < length - Math.floor(length / 2) ? 1 : 0; // right padding
    return 1;
  });
  const shape = { blocks, heads, queries: length, keys: length, queryStart: 0 };
  add(
    'causalSoftmax',
    `training ${blocks}×${heads}×${length}²`,
    (rng) => ({
      x: poisonedScores(rng, blocks, heads, length, length, 0),
      out: poisoned(blocks * heads * length * length),
      ...shape,
    }),
    { out: PROBABILITIES },
  );
  add(
    'causalSoftmax',
    `training ${blocks}×${heads}×${length}², padded`,
    (rng) => ({
      x: poisonedScores(rng, blocks, heads, length, length, 0, mask),
      out: poisoned(blocks * heads * length * length),
      ...shape,
      keyMask: Int32Array.from(mask),
      maskOffsets: Int32Array.from({ length: blocks }, (_, b) => b * length),
    }),
    { out: PROBABILITIES },
  );
}
add(
  'causalSoftmax',
  'decoding 3 new queries over 1037 keys, padded prompt, in place',
  (rng) => {
    const mask = Array.from({ length: 1037 }, (_, j) => (j >= 20 && j !== 700 ? 5 : 0));
    const x = poisonedScores(rng, 1, 4, 3, 1037, 1034, mask);
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
  },
  { out: PROBABILITIES },
);
add(
  'causalSoftmax',
  'a NaN score a query sees: its row is NaN, padded keys stay 0',
  (rng) => {
    const mask = Array.from({ length: 9 }, (_, j) => (j === 2 ? 0 : 1));
    const x = normal(rng, 9 * 9);
    x[8 * 9 + 5] = Number.NaN;
    return {
      x,
      out: poisoned(81),
      blocks: 1,
      heads: 1,
      queries: 9,
      keys: 9,
      queryStart: 0,
      keyMask: Int32Array.from(mask),
      maskOffsets: Int32Array.of(0),
    };
  },
  { out: PROBABILITIES },
);

// --- argmax, cross-entropy statistics -------------------------------------------------------------------------------
for (const [rows, cols, vocabStart] of [
  [1, 1, 0],
  [7, 33, 0],
  [17, 1031, 4096],
] as const) {
  add(
    'argmaxChunk',
    `${rows}×${cols} at ${vocabStart}: ties, signed zeros, NaN`,
    (rng) => {
      const logits = normal(rng, rows * cols, 3);
      for (let r = 0; r < rows && cols > 9; r++) {
        const row = r * cols;
        if (r % 4 === 0) logits[row + 7] = logits[row + 2] = logits[row + 5] = 20; // the first of equal maxima
        if (r % 4 === 1) logits.fill(0, row, row + cols).set([-0, 0, -0, 0], row + 3); // −0 first: it wins
        if (r % 4 === 2) logits[row + 1] = Number.NaN; // never the argmax
        if (r % 4 === 3) logits.fill(Number.NEGATIVE_INFINITY, row, row + cols); // nothing above −∞: no update
      }
      return {
        logits,
        rows,
        cols,
        vocabStart,
        bestValue: Float32Array.from({ length: rows }, (_, r) =>
          r % 3 === 2 ? 50 : Number.NEGATIVE_INFINITY,
        ),
        bestIndex: Int32Array.from({ length: rows }, (_, r) => (r % 3 === 2 ? 7 : -1)),
      };
    },
    { bestValue: EXACT, bestIndex: EXACT },
  );
}
for (const rows of [1, 7, 1031]) {
  add(
    'crossEntropyStats',
    `${rows} rows`,
    (rng) => {
      const vocab = 300;
      const args = {
        logits: normal(rng, rows * vocab, 2),
        rows,
        cols: vocab,
        vocabStart: 0,
        targets: Int32Array.from({ length: rows }, (_, r) => (r % 4 === 3 ? -100 : rng.int(vocab))),
        runningMax: new Float32Array(rows).fill(Number.NEGATIVE_INFINITY),
        runningSum: new Float32Array(rows),
        targetLogit: new Float32Array(rows),
      };
      ref.crossEntropyChunk(args);
      const bestIndex = new Int32Array(rows).fill(-1);
      ref.argmaxChunk({
        ...args,
        bestValue: new Float32Array(rows).fill(Number.NEGATIVE_INFINITY),
        bestIndex,
      });
      for (let r = 0; r < rows; r += 5) if (args.targets[r]! >= 0) bestIndex[r] = args.targets[r]!;
      const { targets, runningMax, runningSum, targetLogit } = args;
      return {
        rows,
        targets,
        runningMax,
        runningSum,
        targetLogit,
        bestIndex,
        lse: poisoned(rows),
        stats: Float32Array.of(10.5, 3, 1),
      };
    },
    { lse: { rtol: 1e-6, atolOfMax: 1e-6 }, stats: { rtol: 1e-5 } },
  );
}

// --- gradient statistics ----------------------------------------------------------------------------------------------
for (const n of [7, 1031, 3 * 65536 + 5]) {
  add('sumSquares', `n ${n}`, (rng) => ({ x: normal(rng, n, 0.01), n, out: Float32Array.of(0.25) }), {
    out: { rtol: 2e-5 },
  });
  add(
    'countNonFinite',
    `n ${n}, poisoned`,
    (rng) => {
      const x = normal(rng, n);
      for (let i = 3; i < n; i += 997)
        x[i] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][i % 3]!;
      x[n - 1] = 3.4028234663852886e38; // the largest finite float32
      return { x, n, out: Float32Array.of(2) };
    },
    { out: EXACT },
  );
}
for (const [label, sum, maxNorm] of [
  ['clipped', 16, 1],
  ['under the limit', 0.25, 1],
  ['no clipping (maxNorm 0)', 16, 0],
  ['NaN norm', Number.NaN, 1],
] as const) {
  add('gradClip', label, () => ({ sumSquares: Float32Array.of(sum), maxNorm, factor: poisoned(1) }), {
    factor: EXACT,
  });
}

// --- double-quantized absmax ------------------------------------------------------------------------------------------
for (const [n, nestedBlocksize] of [
  [7, 256],
  [1031, 256],
  [5003, 64],
  [4099, 3],
] as const) {
  add(
    'dequantizeAbsmax',
    `n ${n}, blocks of ${nestedBlocksize}`,
    (rng) => ({
      qabsmax: Uint8Array.from({ length: n }, () => rng.int(256)),
      nestedAbsmax: Float32Array.from({ length: Math.ceil(n / nestedBlocksize) }, () =>
        rng.uniform(0.001, 0.01),
      ),
      nestedCode: Float32Array.from({ length: 256 }, (_, i) => (i - 128) / 128),
      nestedBlocksize,
      offset: Math.fround(0.0123),
      out: poisoned(n),
      n,
    }),
    { out: EXACT },
  );
}

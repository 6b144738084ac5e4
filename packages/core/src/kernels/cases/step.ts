// Cases of the per-step arithmetic kernels: fill and strided copies, elementwise and bias ops, the
// counter-stream dropout and noise, the masked attention softmax, loss and gradient statistics, absmax restore.
import { referenceKernels as ref } from '../../register-reference.js';
import { caseList, type KernelCase } from './case-list.js';
import { ints, normal, poisoned, type Rng, uniform } from './inputs.js';

const { cases, add } = caseList();
const SIZES = [1, 7, 1031, 65539] as const;

// --- fill, strided copy -----------------------------------------------------------------------------------------
for (const n of SIZES)
  add('fill', `n ${n}`, (rng) => ({ x: normal(rng, n + 3), n, value: rng.uniform(-2, 2) }));
add('fill', 'zero', (rng) => ({ x: normal(rng, 9), n: 9, value: 0 }));
add('fill', '−Infinity', (rng) => ({ x: normal(rng, 9), n: 5, value: Number.NEGATIVE_INFINITY }));
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

// --- elementwise, bias ------------------------------------------------------------------------------------------
for (const n of SIZES) {
  for (const kernel of ['add', 'mul'] as const)
    add(kernel, `n ${n}`, (rng) => ({ a: normal(rng, n), b: normal(rng, n), out: poisoned(n), n }));
  add('axpy', `n ${n}`, (rng) => ({ x: normal(rng, n), y: normal(rng, n), n, alpha: 0.37 }));
  add('scale', `n ${n}`, (rng) => ({ x: normal(rng, n), out: poisoned(n), n, alpha: 45.254833995939045 }));
}
add('add', 'in place (out = a)', (rng) => {
  const a = normal(rng, 1031);
  return { a, b: normal(rng, 1031), out: a, n: 1031 };
});
add('mul', 'in place (out = a)', (rng) => {
  const a = normal(rng, 1031);
  return { a, b: normal(rng, 1031), out: a, n: 1031 };
});
add('scale', 'in place', (rng) => {
  const x = normal(rng, 1031);
  return { x, out: x, n: 1031, alpha: -3 };
});
for (const [rows, cols] of [
  [1, 1],
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

// --- dropout, NEFTune noise ---------------------------------------------------------------------------------------
for (const n of SIZES) {
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

// --- causal softmax -----------------------------------------------------------------------------------------------
/** Padding flags (1 = real) for `total` keys with `pad` padded at the left (or right). */
function paddingMask(total: number, pad: number, left: boolean): number[] {
  return Array.from({ length: total }, (_, j) => ((left ? j >= pad : j < total - pad) ? 1 : 0));
}
for (const [blocks, heads, length] of [
  [1, 1, 1],
  [2, 3, 7],
  [3, 14, 33],
  [1, 2, 129],
] as const) {
  add('causalSoftmax', `training ${blocks}×${heads}×${length}², no padding`, (rng) => ({
    x: normal(rng, blocks * heads * length * length, 3),
    out: poisoned(blocks * heads * length * length),
    blocks,
    heads,
    queries: length,
    keys: length,
    queryStart: 0,
  }));
  add('causalSoftmax', `training ${blocks}×${heads}×${length}², left and right padding`, (rng) => {
    const mask = [
      ...paddingMask(length, Math.floor(length / 3), true),
      ...paddingMask(length, Math.floor(length / 2), false),
    ];
    while (mask.length < blocks * length) mask.push(...paddingMask(length, 0, true));
    return {
      x: normal(rng, blocks * heads * length * length, 3),
      out: poisoned(blocks * heads * length * length),
      blocks,
      heads,
      queries: length,
      keys: length,
      queryStart: 0,
      keyMask: Int32Array.from(mask),
      maskOffsets: Int32Array.from({ length: blocks }, (_, b) => b * length),
    };
  });
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

// --- argmax, cross-entropy statistics -------------------------------------------------------------------------------
for (const [rows, cols, vocabStart] of [
  [1, 1, 0],
  [7, 33, 0],
  [17, 1031, 4096],
] as const) {
  add('argmaxChunk', `${rows}×${cols} at ${vocabStart}`, (rng) => {
    const logits = normal(rng, rows * cols, 3);
    // ties (the first maximum wins), and rows whose running best already beats this chunk
    if (cols > 3) for (let r = 0; r < rows; r += 2) logits[r * cols + 3] = logits[r * cols + 1] = 20;
    return {
      logits,
      rows,
      cols,
      vocabStart,
      bestValue: Float32Array.from({ length: rows }, (_, r) => (r % 3 === 2 ? 50 : Number.NEGATIVE_INFINITY)),
      bestIndex: Int32Array.from({ length: rows }, (_, r) => (r % 3 === 2 ? 7 : -1)),
    };
  });
}
for (const rows of [1, 7, 1031]) {
  add('crossEntropyStats', `${rows} rows`, (rng) => {
    const vocab = 1000;
    const logits = normal(rng, rows * vocab, 2);
    const args = {
      logits,
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
    ref.argmaxChunk({ ...args, bestValue: new Float32Array(rows).fill(Number.NEGATIVE_INFINITY), bestIndex });
    for (let r = 0; r < rows; r += 5) if (args.targets[r]! >= 0) bestIndex[r] = args.targets[r]!; // some hits
    const { targets, runningMax, runningSum, targetLogit } = args;
    return {
      rows,
      targets,
      runningMax,
      runningSum,
      targetLogit,
      bestIndex,
      lse: poisoned(rows),
      stats: Float32Array.from([10.5, 3, 1]),
    };
  });
}

// --- gradient statistics ----------------------------------------------------------------------------------------------
for (const n of SIZES) {
  add('sumSquares', `n ${n}`, (rng) => ({ x: normal(rng, n, 0.01), n, out: Float32Array.from([0.25]) }));
  add('countNonFinite', `n ${n}, all finite`, (rng) => ({
    x: normal(rng, n),
    n,
    out: Float32Array.from([2]),
  }));
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

// --- double-quantized absmax ------------------------------------------------------------------------------------------
for (const [n, nestedBlocksize] of [
  [1, 256],
  [7, 256],
  [1031, 256],
  [65539, 256],
] as const) {
  add('dequantizeAbsmax', `n ${n}`, (rng) => {
    const nestedCode = Float32Array.from({ length: 256 }, (_, i) => (i - 128) / 128);
    return {
      qabsmax: Uint8Array.from(ints(rng, n, 256)),
      nestedAbsmax: uniform(rng, Math.ceil(n / nestedBlocksize), 0.001, 0.01),
      nestedCode,
      nestedBlocksize,
      offset: Math.fround(0.0123),
      out: poisoned(n),
      n,
    };
  });
}

export const STEP_CASES: readonly KernelCase[] = cases;

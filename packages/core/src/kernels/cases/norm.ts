// Cases of the row-reduction kernels: softmax, rmsnorm, layernorm and the cross-entropy chunks.
import { referenceKernels as ref } from '../../register-reference.js';
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned, type Rng, uniform } from './inputs.js';
import { DEGENERATE_NORM_DX, OUTPUT_TOLERANCES } from './tolerances.js';

const { cases, add } = caseList();

// --- softmax ------------------------------------------------------------------------------------------------
const ROWS_COLS = [
  [1, 1],
  [3, 7],
  [17, 33],
  [65, 127],
  [33, 1031],
] as const;
for (const [rows, cols] of ROWS_COLS) {
  add('softmax', `${rows}×${cols}`, (rng) => ({
    x: normal(rng, rows * cols, 3),
    out: poisoned(rows * cols),
    rows,
    cols,
  }));
  add('softmaxBackward', `${rows}×${cols}`, (rng) => {
    const y = new Float32Array(rows * cols);
    ref.softmax({ x: normal(rng, rows * cols, 3), out: y, rows, cols });
    return { y, dy: normal(rng, rows * cols), dx: poisoned(rows * cols), rows, cols };
  });
}
add('softmax', '17×17 causal mask (−Infinity above the diagonal)', (rng) => {
  const x = normal(rng, 17 * 17, 3);
  for (let r = 0; r < 17; r++) x.fill(Number.NEGATIVE_INFINITY, r * 17 + r + 1, (r + 1) * 17);
  return { x, out: poisoned(17 * 17), rows: 17, cols: 17 };
});

// --- rmsnorm, layernorm: forward, and backward from the reference forward's statistics -----------------------
for (const [rows, cols, weightOffset] of [
  [1, 1, 0],
  [3, 7, 0],
  [17, 65, 0],
  [33, 896, 0],
  [7, 1031, 0],
  [3, 7, 1],
  [17, 65, 1],
] as const) {
  const forward = (rng: Rng) => ({
    x: normal(rng, rows * cols, 2),
    weight: normal(rng, cols, 0.1, weightOffset ? 0 : 1),
    out: poisoned(rows * cols),
    rstd: poisoned(rows),
    rows,
    cols,
    eps: 1e-6,
    weightOffset,
  });
  add('rmsnorm', `${rows}×${cols} weightOffset ${weightOffset}`, forward);
  for (const withDweight of [true, false]) {
    add(
      'rmsnormBackward',
      `${rows}×${cols} weightOffset ${weightOffset}${withDweight ? '' : ' (dx only)'}`,
      (rng) => {
        const f = forward(rng);
        ref.rmsnorm(f);
        const dweightAccumulate = withDweight ? normal(rng, cols) : undefined;
        return {
          dout: normal(rng, rows * cols),
          x: f.x,
          weight: f.weight,
          rstd: f.rstd,
          dx: poisoned(rows * cols),
          dweightAccumulate,
          rows,
          cols,
          weightOffset,
        };
      },
      cols === 1 ? { ...OUTPUT_TOLERANCES.rmsnormBackward, dx: DEGENERATE_NORM_DX } : undefined,
    );
  }
}
for (const [rows, cols] of [
  [1, 2],
  [3, 7],
  [17, 768],
  [5, 1031],
] as const) {
  const forward = (rng: Rng) => ({
    x: normal(rng, rows * cols, 2, 0.5),
    weight: normal(rng, cols, 0.1, 1),
    bias: normal(rng, cols, 0.1),
    out: poisoned(rows * cols),
    mean: poisoned(rows),
    rstd: poisoned(rows),
    rows,
    cols,
    eps: 1e-5,
  });
  add('layernorm', `${rows}×${cols}`, forward);
  add(
    'layernormBackward',
    `${rows}×${cols}`,
    (rng) => {
      const f = forward(rng);
      ref.layernorm(f);
      return {
        dout: normal(rng, rows * cols),
        x: f.x,
        weight: f.weight,
        mean: f.mean,
        rstd: f.rstd,
        dx: poisoned(rows * cols),
        dweightAccumulate: normal(rng, cols),
        dbiasAccumulate: normal(rng, cols),
        rows,
        cols,
      };
    },
    cols === 2 ? { ...OUTPUT_TOLERANCES.layernormBackward, dx: DEGENERATE_NORM_DX } : undefined,
  );
}

// --- cross-entropy chunks: first chunk, later chunk with running state, masked vocab -----------------------------
function targetsFor(rng: Rng, rows: number, vocabStart: number, cols: number): Int32Array {
  // in this chunk, in another chunk, or ignored
  return Int32Array.from(
    { length: rows },
    (_, r) => [vocabStart + rng.int(cols), vocabStart + cols + rng.int(100), -100][r % 3]!,
  );
}
for (const [rows, cols, vocabStart, first] of [
  [1, 1, 0, true],
  [7, 33, 0, true],
  [17, 1031, 2048, false],
  [5, 127, 151552, false],
] as const) {
  add('crossEntropyChunk', `${rows}×${cols} at ${vocabStart}${first ? ' (first chunk)' : ''}`, (rng) => ({
    logits: normal(rng, rows * cols, 3),
    rows,
    cols,
    vocabStart,
    targets: targetsFor(rng, rows, vocabStart, cols),
    runningMax: first ? new Float32Array(rows).fill(Number.NEGATIVE_INFINITY) : normal(rng, rows, 2, 4),
    runningSum: first ? new Float32Array(rows) : uniform(rng, rows, 1, 50),
    targetLogit: new Float32Array(rows).fill(-7), // left as is where the target is elsewhere
  }));
  add('crossEntropyChunkBackward', `${rows}×${cols} at ${vocabStart}`, (rng) => {
    const logits = normal(rng, rows * cols, 3);
    const targets = targetsFor(rng, rows, vocabStart, cols);
    const lse = Float32Array.from({ length: rows }, (_, r) => {
      const row = logits.subarray(r * cols, (r + 1) * cols);
      const max = row.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
      return max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + (first ? 0 : rng.uniform(0, 3)); // + mass of other chunks
    });
    const counted = targets.filter((t) => t >= 0).length;
    const rowScale = Float32Array.from(targets, (t) => (t >= 0 ? 1 / counted : 0));
    return { logits, rows, cols, vocabStart, targets, lse, rowScale, dlogits: poisoned(rows * cols) };
  });
}
add('crossEntropyChunk', '9×65 with masked (−Infinity) columns', (rng) => {
  const logits = normal(rng, 9 * 65, 3);
  for (let r = 0; r < 9; r++) logits.fill(Number.NEGATIVE_INFINITY, r * 65 + 20, r * 65 + 40);
  return {
    logits,
    rows: 9,
    cols: 65,
    vocabStart: 65,
    targets: targetsFor(rng, 9, 65, 65),
    runningMax: normal(rng, 9, 1, 3),
    runningSum: uniform(rng, 9, 1, 5),
    targetLogit: new Float32Array(9).fill(-7),
  };
});

export const NORM_CASES: readonly KernelCase[] = cases;

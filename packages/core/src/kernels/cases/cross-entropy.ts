// Cases of the chunked cross-entropy and its backward: the first chunk, later chunks with running state, a vocab
// offset as large as Qwen's, chunks over 4096 columns, masked (−Infinity) columns and a fully masked row.
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned, type Rng, uniform } from './inputs.js';

const { cases, add } = caseList();

/** Targets in this chunk, in another chunk, or ignored (−100), by row. */
function targetsFor(rng: Rng, rows: number, vocabStart: number, cols: number): Int32Array {
  return Int32Array.from(
    { length: rows },
    (_, r) => [vocabStart + rng.int(cols), vocabStart + cols + rng.int(100), -100][r % 3]!,
  );
}
/** (rows) log Σ exp over each row of (rows, cols) logits. */
function rowLse(logits: Float32Array, rows: number, cols: number): Float64Array {
  return Float64Array.from({ length: rows }, (_, r) => {
    const row = logits.subarray(r * cols, (r + 1) * cols);
    const max = row.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
    return max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  });
}

for (const [rows, cols, vocabStart, first] of [
  [1, 1, 0, true],
  [7, 33, 0, true],
  [17, 1031, 2048, false],
  [5, 127, 151552, false],
  [5, 4099, 151552, false],
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
    const other = () => (first ? 0 : rng.uniform(0, 3)); // the mass of other chunks
    const lse = Float32Array.from(rowLse(logits, rows, cols), (l) => l + other());
    const counted = targets.filter((t) => t >= 0).length;
    const rowScale = Float32Array.from(targets, (t) => (t >= 0 ? 1 / counted : 0));
    return { logits, rows, cols, vocabStart, targets, lse, rowScale, dlogits: poisoned(rows * cols) };
  });
  // the fused lm head writes the gradient over the logits
  if (cols > 1)
    add('crossEntropyChunkBackward', `${rows}×${cols} at ${vocabStart}, in place`, (rng) => {
      const logits = normal(rng, rows * cols, 3);
      const targets = targetsFor(rng, rows, vocabStart, cols);
      const lse = Float32Array.from(rowLse(logits, rows, cols));
      const rowScale = Float32Array.from(targets, (t) => (t >= 0 ? 0.25 : 0));
      return { logits, rows, cols, vocabStart, targets, lse, rowScale, dlogits: logits };
    });
}
for (const fullyMasked of [false, true]) {
  const name = `9×65 with masked (−Infinity) columns${fullyMasked ? ', one row fully masked' : ''}`;
  add('crossEntropyChunk', name, (rng) => {
    const logits = normal(rng, 9 * 65, 3);
    for (let r = 0; r < 9; r++) logits.fill(Number.NEGATIVE_INFINITY, r * 65 + 20, r * 65 + 40);
    const runningMax = normal(rng, 9, 1, 3);
    if (fullyMasked) {
      logits.fill(Number.NEGATIVE_INFINITY, 4 * 65, 5 * 65);
      runningMax[4] = Number.NEGATIVE_INFINITY; // nothing seen yet and nothing here: the state stays as it is
    }
    return {
      logits,
      rows: 9,
      cols: 65,
      vocabStart: 65,
      targets: targetsFor(rng, 9, 65, 65),
      runningMax,
      runningSum: uniform(rng, 9, 1, 5),
      targetLogit: new Float32Array(9).fill(-7),
    };
  });
}

export const CROSS_ENTROPY_CASES: readonly KernelCase[] = cases;

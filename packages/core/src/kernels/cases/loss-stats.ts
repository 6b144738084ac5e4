// Cases of the greedy-decoding and loss statistics: argmaxChunk with ties (the first maximum wins), signed zeros (−0
// first wins), NaN (never the argmax), all −Infinity rows and a running best that beats the chunk; crossEntropyStats
// over finished rows with ignored targets and some argmax hits.
import { referenceKernels as ref } from '../../register-reference.js';
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned } from './inputs.js';

const { cases, add } = caseList();

const runningBest = (rows: number) => ({
  bestValue: Float32Array.from({ length: rows }, (_, r) => (r % 3 === 2 ? 50 : Number.NEGATIVE_INFINITY)),
  bestIndex: Int32Array.from({ length: rows }, (_, r) => (r % 3 === 2 ? 7 : -1)),
});
for (const [rows, cols, vocabStart] of [
  [1, 1, 0],
  [7, 33, 0],
  [17, 1031, 4096],
] as const) {
  add('argmaxChunk', `${rows}×${cols} at ${vocabStart}`, (rng) => {
    const logits = normal(rng, rows * cols, 3);
    if (cols > 3) for (let r = 0; r < rows; r += 2) logits[r * cols + 3] = logits[r * cols + 1] = 20;
    return { logits, rows, cols, vocabStart, ...runningBest(rows) };
  });
  add('argmaxChunk', `${rows}×${cols} at ${vocabStart}: ties, signed zeros, NaN`, (rng) => {
    const logits = normal(rng, rows * cols, 3);
    for (let r = 0; r < rows && cols > 9; r++) {
      const row = r * cols;
      if (r % 4 === 0) logits[row + 7] = logits[row + 2] = logits[row + 5] = 20; // the first of equal maxima
      if (r % 4 === 1) logits.fill(0, row, row + cols).set([-0, 0, -0, 0], row + 3); // −0 first: it wins
      if (r % 4 === 2) logits[row + 1] = Number.NaN; // never the argmax
      if (r % 4 === 3) logits.fill(Number.NEGATIVE_INFINITY, row, row + cols); // nothing above −∞: no update
    }
    return { logits, rows, cols, vocabStart, ...runningBest(rows) };
  });
}
for (const rows of [1, 7, 1031]) {
  add('crossEntropyStats', `${rows} rows`, (rng) => {
    const vocab = 1000;
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

export const LOSS_STATS_CASES: readonly KernelCase[] = cases;

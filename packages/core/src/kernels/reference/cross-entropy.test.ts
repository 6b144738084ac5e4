import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64 } from '../../gradcheck.js';
import { crossEntropyChunk, crossEntropyChunkBackward } from './cross-entropy.js';

const rng = makeRng(29);
const ROWS = 5;
const VOCAB = 11;
const TARGETS = Int32Array.from([3, -100, 10, 0, 7]); // row 1 is ignored
const SCALE = Float64Array.from(TARGETS, (t) => (t >= 0 ? 1 / 4 : 0)); // mean over the 4 counted rows

/** Column block [start, start + cols) of a (T, V) matrix, copied the way a per-chunk matmul would produce it. */
function chunk(logits: Float64Array, start: number, cols: number): Float64Array {
  const out = new Float64Array(ROWS * cols);
  for (let r = 0; r < ROWS; r++)
    out.set(logits.subarray(r * VOCAB + start, r * VOCAB + start + cols), r * cols);
  return out;
}

/** Chunked forward: lse and target logit per row, folding the chunks in the given order. */
function forward(logits: Float64Array, sizes: number[], order = sizes.map((_, i) => i)) {
  const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const runningMax = new Float64Array(ROWS).fill(Number.NEGATIVE_INFINITY);
  const runningSum = new Float64Array(ROWS);
  const targetLogit = new Float64Array(ROWS).fill(Number.NaN);
  for (const i of order) {
    const [start, cols] = [starts[i]!, sizes[i]!];
    crossEntropyChunk({
      logits: k64(chunk(logits, start, cols)),
      rows: ROWS,
      cols,
      vocabStart: start,
      targets: TARGETS,
      runningMax: k64(runningMax),
      runningSum: k64(runningSum),
      targetLogit: k64(targetLogit),
    });
  }
  const lse = runningMax.map((m, r) => m + Math.log(runningSum[r]!));
  const loss = SCALE.reduce((s, w, r) => (w === 0 ? s : s + w * (lse[r]! - targetLogit[r]!)), 0);
  return { lse, targetLogit, loss, starts };
}

function backward(logits: Float64Array, sizes: number[], lse: Float64Array): Float64Array {
  const dlogits = new Float64Array(ROWS * VOCAB).fill(Number.NaN);
  let start = 0;
  for (const cols of sizes) {
    const d = new Float64Array(ROWS * cols);
    crossEntropyChunkBackward({
      logits: k64(chunk(logits, start, cols)),
      rows: ROWS,
      cols,
      vocabStart: start,
      targets: TARGETS,
      lse: k64(lse),
      rowScale: k64(SCALE),
      dlogits: k64(d),
    });
    for (let r = 0; r < ROWS; r++) dlogits.set(d.subarray(r * cols, (r + 1) * cols), r * VOCAB + start);
    start += cols;
  }
  return dlogits;
}

/** Direct oracle: log-softmax over the full row. */
function direct(logits: Float64Array) {
  const lse = new Float64Array(ROWS);
  for (let r = 0; r < ROWS; r++) {
    const row = logits.subarray(r * VOCAB, (r + 1) * VOCAB);
    const max = Math.max(...row);
    lse[r] = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  }
  const loss = SCALE.reduce(
    (s, w, r) => (w === 0 ? s : s + w * (lse[r]! - logits[r * VOCAB + TARGETS[r]!]!)),
    0,
  );
  return { lse, loss };
}

const SPLITS = [[11], [5, 6], [10, 1], [1, 10], [3, 3, 3, 2], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]];

describe('crossEntropyChunk (reference)', () => {
  const logits = Float64Array.from({ length: ROWS * VOCAB }, () => 4 * rng.normal());

  test.each(SPLITS)(
    'chunks %j give the lse and loss of a single chunk and of a direct log-softmax',
    (...sizes) => {
      const chunked = forward(logits, sizes);
      const single = forward(logits, [VOCAB]);
      const oracle = direct(logits);
      expectClose(chunked.lse, single.lse, { rtol: 1e-14, atol: 1e-14 }, 'lse vs single chunk');
      expectClose(chunked.lse, oracle.lse, { rtol: 1e-14, atol: 1e-14 }, 'lse vs direct');
      expect(chunked.loss).toBeCloseTo(oracle.loss, 13);
      for (let r = 0; r < ROWS; r++) {
        if (TARGETS[r]! >= 0) expect(chunked.targetLogit[r]).toBe(logits[r * VOCAB + TARGETS[r]!]);
        else expect(chunked.targetLogit[r]).toBeNaN(); // ignored rows never write it
      }
    },
  );

  test('the fold is order-independent (chunks in reverse)', () => {
    const sizes = [3, 3, 3, 2];
    const reversed = forward(logits, sizes, [3, 2, 1, 0]);
    expectClose(reversed.lse, forward(logits, sizes).lse, { rtol: 1e-14, atol: 1e-14 }, 'lse');
  });

  test.each(SPLITS)(
    'chunks %j: backward equals (softmax − onehot) · scale and matches finite differences',
    (...sizes) => {
      const x = logits.slice();
      const { lse } = forward(x, sizes);
      const dlogits = backward(x, sizes, lse);
      for (let r = 0; r < ROWS; r++) {
        for (let c = 0; c < VOCAB; c++) {
          const p = Math.exp(x[r * VOCAB + c]! - lse[r]!);
          const expected = TARGETS[r]! < 0 ? 0 : (p - (c === TARGETS[r] ? 1 : 0)) * SCALE[r]!;
          expect(dlogits[r * VOCAB + c]).toBeCloseTo(expected, 14);
        }
      }
      gradcheck(() => forward(x, sizes).loss, [{ name: 'dlogits', value: x, grad: dlogits }]);
    },
  );

  test('a chunk of -Infinity (masked vocab) leaves the running state finite', () => {
    const masked = logits.slice();
    for (let r = 0; r < ROWS; r++) masked.fill(Number.NEGATIVE_INFINITY, r * VOCAB + 5, r * VOCAB + 8);
    const withMask = forward(masked, [5, 3, 3]);
    expect(withMask.lse.every(Number.isFinite)).toBe(true);
    expectClose(withMask.lse, direct(masked).lse, { rtol: 1e-14, atol: 1e-14 }, 'lse');
  });

  test('rejects a short running state', () => {
    const f = new Float32Array(6);
    const call = () =>
      crossEntropyChunk({
        logits: f,
        rows: 2,
        cols: 3,
        vocabStart: 0,
        targets: new Int32Array(2),
        runningMax: f,
        runningSum: new Float32Array(1),
        targetLogit: f,
      });
    expect(call).toThrow(/crossEntropyChunk: runningSum \(T\) expected at least 2 elements, got 1/);
  });
});

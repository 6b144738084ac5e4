import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { asKernelArray as k64 } from '../../gradcheck.js';
import { KernelArgumentError } from '../check.js';
import { crossEntropyChunk } from './cross-entropy.js';
import { argmaxChunk, crossEntropyStats } from './loss-stats.js';

const rng = makeRng(83);
const IGNORE = -100; // ForCausalLMLoss's ignore_index

/** Column block [start, start + cols) of a (T, V) matrix, copied as a per-chunk lm_head matmul would produce it. */
function chunkOf(
  logits: Float64Array,
  rows: number,
  vocab: number,
  start: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    out.set(logits.subarray(r * vocab + start, r * vocab + start + cols), r * cols);
  return out;
}

/** Folds every chunk through crossEntropyChunk and argmaxChunk, then closes with crossEntropyStats. */
function chunked(
  logits: Float64Array,
  targets: Int32Array,
  vocab: number,
  sizes: number[],
  stats = new Float64Array(3),
) {
  const rows = targets.length;
  const runningMax = new Float64Array(rows).fill(Number.NEGATIVE_INFINITY);
  const runningSum = new Float64Array(rows);
  const targetLogit = new Float64Array(rows);
  const bestValue = new Float64Array(rows).fill(Number.NEGATIVE_INFINITY);
  const bestIndex = new Int32Array(rows).fill(-1);
  let start = 0;
  for (const cols of sizes) {
    const chunk = k64(chunkOf(logits, rows, vocab, start, cols));
    const common = { logits: chunk, rows, cols, vocabStart: start };
    crossEntropyChunk({
      ...common,
      targets,
      runningMax: k64(runningMax),
      runningSum: k64(runningSum),
      targetLogit: k64(targetLogit),
    });
    argmaxChunk({ ...common, bestValue: k64(bestValue), bestIndex });
    start += cols;
  }
  expect(start).toBe(vocab);
  const lse = new Float64Array(rows);
  crossEntropyStats({
    rows,
    targets,
    runningMax: k64(runningMax),
    runningSum: k64(runningSum),
    targetLogit: k64(targetLogit),
    bestIndex,
    lse: k64(lse),
    stats: k64(stats),
  });
  return { lse, bestIndex, stats };
}

/** The direct computation: log-softmax of each whole row, torch.argmax's first maximum. */
function direct(logits: Float64Array, targets: Int32Array, vocab: number) {
  const lse: number[] = [];
  const argmax: number[] = [];
  let [loss, tokens, correct] = [0, 0, 0];
  targets.forEach((target, r) => {
    const row = Array.from(logits.subarray(r * vocab, (r + 1) * vocab));
    const max = Math.max(...row);
    lse.push(max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)));
    argmax.push(row.indexOf(max));
    if (target === IGNORE) return;
    loss += -(row[target]! - lse[r]!); // −log_softmax(row)[target]
    tokens++;
    if (argmax[r] === target) correct++;
  });
  return { lse, argmax, stats: [loss, tokens, correct] };
}

const VOCAB = 13;
const SPLITS = [[13], [5, 8], [1, 4, 2, 6], [3, 3, 3, 3, 1], [12, 1], [0, 6, 0, 7]];

describe('argmaxChunk + crossEntropyStats (reference)', () => {
  test.each(SPLITS.map((s) => [s.join('+'), s] as const))(
    'vocabulary split %s equals a direct log-softmax: loss sum, tokens, argmax hits',
    (_, sizes) => {
      const rows = 7;
      const logits = Float64Array.from({ length: rows * VOCAB }, () => 3 * rng.normal());
      const targets = Int32Array.from([4, IGNORE, 12, 0, IGNORE, 7, 0]);
      // make two rows hits: their target is the row's maximum
      for (const r of [0, 3]) logits[r * VOCAB + targets[r]!] = 50;
      const got = chunked(logits, targets, VOCAB, sizes);
      const want = direct(logits, targets, VOCAB);
      expectClose(got.lse, want.lse, { rtol: 1e-14, atol: 1e-14 }, 'lse');
      expect(Array.from(got.bestIndex)).toEqual(want.argmax);
      expectClose(got.stats, want.stats, { rtol: 1e-13, atol: 1e-13 }, 'stats');
      expect(Array.from(got.stats.subarray(1))).toEqual([5, want.stats[2]]);
      expect(want.stats[2]).toBeGreaterThanOrEqual(2);
    },
  );

  test.each(SPLITS.map((s) => [s.join('+'), s] as const))(
    'split %s: ties go to the first index, across chunks too',
    (_, sizes) => {
      // row 0: a tie inside one chunk; row 1: the maximum at 3, 6 and 12 (different chunks in most splits);
      // row 2: every logit equal; row 3: the last index alone
      const rows = 4;
      const logits = new Float64Array(rows * VOCAB);
      logits.set([0, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0);
      logits.set([0, 0, 0, 9, 0, 0, 9, 0, 0, 0, 0, 0, 9], VOCAB);
      logits.set(new Array<number>(VOCAB).fill(-4), 2 * VOCAB);
      logits.set([...new Array<number>(VOCAB - 1).fill(0), 1], 3 * VOCAB);
      // targets at the second of the tied maxima are misses; the first is a hit
      const targets = Int32Array.from([2, 3, 0, 12]);
      const { bestIndex, stats } = chunked(logits, targets, VOCAB, sizes);
      expect(Array.from(bestIndex)).toEqual([1, 3, 0, 12]);
      expect(stats[2]).toBe(3);
    },
  );

  test('ignored targets (any negative id) count no loss, token or hit, yet get an lse', () => {
    const logits = Float64Array.from([1, 2, 3, 3, 2, 1]); // (2, 3)
    const { lse, stats } = chunked(logits, Int32Array.from([IGNORE, -1]), 3, [2, 1]);
    expect(Array.from(stats)).toEqual([0, 0, 0]);
    expectClose(
      lse,
      [3 + Math.log(1 + Math.exp(-1) + Math.exp(-2)), 3 + Math.log(1 + Math.exp(-1) + Math.exp(-2))],
      { rtol: 1e-15 },
      'lse',
    );
  });

  test('uniform logits: the loss is log V per token', () => {
    // every logit ties, so the argmax is 0: only the target 0 is a hit
    const { stats } = chunked(new Float64Array(3 * VOCAB), Int32Array.from([0, 5, 9]), VOCAB, [4, 9]);
    expectClose(stats, [3 * Math.log(VOCAB), 3, 1], { rtol: 1e-14 }, 'stats');
  });

  test('stats accumulate across calls (several micro-batches)', () => {
    const logits = Float64Array.from({ length: 4 * VOCAB }, () => rng.normal());
    const targets = Int32Array.from([3, 1, IGNORE, 8]);
    const once = chunked(logits, targets, VOCAB, [6, 7]).stats;
    const twice = chunked(logits, targets, VOCAB, [6, 7], Float64Array.from([10, 20, 30])).stats;
    expectClose(twice, [10 + once[0]!, 23, 30 + once[2]!], { rtol: 1e-15 }, 'stats');
  });

  test('in float32, lse is stored rounded and the loss is summed from the stored values', () => {
    const rows = 3;
    // large logits and a target near the lse: the float32 rounding of lse (≈ 3e-5 at 1000) shows in the loss
    const runningMax = Float32Array.from([1000, -500, 2000.5]);
    const runningSum = Float32Array.from([1.3, 2.7, 5.1]);
    const targetLogit = Float32Array.from([1000, -500, 2001]);
    const targets = Int32Array.from([0, 1, 2]);
    const lse = new Float32Array(rows);
    const stats = new Float32Array(3);
    crossEntropyStats({
      rows,
      targets,
      runningMax,
      runningSum,
      targetLogit,
      bestIndex: Int32Array.from([0, 0, 2]),
      lse,
      stats,
    });
    const want = Array.from(runningMax, (m, r) => Math.fround(m + Math.log(runningSum[r]!)));
    expect(Array.from(lse)).toEqual(want);
    expect(stats[0]).toBe(Math.fround(want.reduce((s, l, r) => s + l - targetLogit[r]!, 0)));
    const unrounded = Array.from(runningMax, (m, r) => m + Math.log(runningSum[r]!) - targetLogit[r]!);
    expect(stats[0]).not.toBe(Math.fround(unrounded.reduce((s, v) => s + v, 0)));
    expect(Array.from(stats.subarray(1))).toEqual([3, 2]);
  });

  test('argmaxChunk: a chunk keeps the running best unless strictly greater; −∞ rows keep index −1', () => {
    const bestValue = Float32Array.from([5, 5, Number.NEGATIVE_INFINITY]);
    const bestIndex = Int32Array.from([2, 2, -1]);
    const logits = Float32Array.from([5, 1, 4, 6, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]); // (3, 2)
    argmaxChunk({ logits, rows: 3, cols: 2, vocabStart: 10, bestValue, bestIndex });
    expect(Array.from(bestIndex)).toEqual([2, 11, -1]);
    expect(Array.from(bestValue)).toEqual([5, 6, Number.NEGATIVE_INFINITY]);
  });

  test.each([
    [
      () =>
        argmaxChunk({
          logits: new Float32Array(5),
          rows: 2,
          cols: 3,
          vocabStart: 0,
          bestValue: new Float32Array(2),
          bestIndex: new Int32Array(2),
        }),
      /argmaxChunk: logits \(T, cols\) expected at least 6 elements, got 5/,
    ],
    [
      () =>
        argmaxChunk({
          logits: new Float32Array(6),
          rows: 2,
          cols: 3,
          vocabStart: 0,
          bestValue: new Float32Array(2),
          bestIndex: new Int32Array(1),
        }),
      /argmaxChunk: bestIndex \(T\) expected at least 2 elements, got 1/,
    ],
    [
      () =>
        argmaxChunk({
          logits: new Float32Array(6),
          rows: 2,
          cols: 3,
          vocabStart: -1,
          bestValue: new Float32Array(2),
          bestIndex: new Int32Array(2),
        }),
      /argmaxChunk: vocabStart expected a non-negative integer, got -1/,
    ],
    [
      () =>
        crossEntropyStats({
          rows: 2,
          targets: new Int32Array(2),
          runningMax: new Float32Array(2),
          runningSum: new Float32Array(2),
          targetLogit: new Float32Array(2),
          bestIndex: new Int32Array(2),
          lse: new Float32Array(2),
          stats: new Float32Array(2),
        }),
      /crossEntropyStats: stats \(3\) expected at least 3 elements, got 2/,
    ],
    [
      () =>
        crossEntropyStats({
          rows: 2,
          targets: new Int32Array(2),
          runningMax: new Float32Array(2),
          runningSum: new Float32Array(2),
          targetLogit: new Float32Array(2),
          bestIndex: new Int32Array(2),
          lse: new Float32Array(1),
          stats: new Float32Array(3),
        }),
      /crossEntropyStats: lse \(T\) expected at least 2 elements, got 1/,
    ],
  ])('rejects bad arguments (%#)', (call, message) => {
    expect(call).toThrow(KernelArgumentError);
    expect(call).toThrow(message);
  });
});

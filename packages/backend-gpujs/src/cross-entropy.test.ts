import { referenceKernels } from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';

// chunk widths that do and do not divide the vocab
const cases = [
  { rows: 1, vocab: 5, chunk: 5 },
  { rows: 4, vocab: 23, chunk: 7 },
  { rows: 3, vocab: 40, chunk: 16 },
];

// chunked calls fold into one pass over the vocab (per-case values against the reference: host-kernels.test.ts)
describe.each(await nodeModes())('cross-entropy chunks on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const forward = gpujsKernels(runner).crossEntropyChunk;
  const backward = gpujsKernels(runner).crossEntropyChunkBackward;
  afterAll(() => runner.destroy());

  test.each(cases)('rows=$rows vocab=$vocab chunk=$chunk', ({ rows, vocab, chunk }) => {
    const rng = makeRng(rows * vocab + chunk);
    const logits = new Float32Array(rows * vocab);
    rng.fill(logits, -20, 20);
    const targets = Int32Array.from({ length: rows }, (_, r) => (r === 1 ? -100 : rng.int(vocab))); // row 1 ignored
    const rowScale = Float32Array.from({ length: rows }, () => 1 / rows);
    // the reference over the whole vocab in one chunk: what the chunks must fold into
    const one = {
      runningMax: new Float32Array(rows).fill(Number.NEGATIVE_INFINITY),
      runningSum: new Float32Array(rows),
      targetLogit: new Float32Array(rows),
    };
    referenceKernels.crossEntropyChunk({ logits, rows, cols: vocab, vocabStart: 0, targets, ...one });
    const wantLse = Float32Array.from(one.runningMax, (m, r) => m + Math.log(one.runningSum[r]!));
    const wantDlogits = new Float32Array(rows * vocab);
    referenceKernels.crossEntropyChunkBackward({
      logits,
      rows,
      cols: vocab,
      vocabStart: 0,
      targets,
      lse: wantLse,
      rowScale,
      dlogits: wantDlogits,
    });

    const runningMax = new Float32Array(rows).fill(Number.NEGATIVE_INFINITY);
    const runningSum = new Float32Array(rows);
    const targetLogit = new Float32Array(rows);
    const chunks: { start: number; cols: number; block: Float32Array }[] = [];
    for (let start = 0; start < vocab; start += chunk) {
      const cols = Math.min(chunk, vocab - start);
      const block = new Float32Array(rows * cols); // (T, cols)
      for (let r = 0; r < rows; r++)
        block.set(logits.subarray(r * vocab + start, r * vocab + start + cols), r * cols);
      chunks.push({ start, cols, block });
      forward({ logits: block, rows, cols, vocabStart: start, targets, runningMax, runningSum, targetLogit });
    }
    const lse = Float32Array.from(runningMax, (m, r) => m + Math.log(runningSum[r]!));
    expectClose(lse, wantLse, { rtol: 1e-6, atol: 1e-5 }, `${mode} lse`);
    expectClose(targetLogit, one.targetLogit, { rtol: 0, atol: 0 }, `${mode} target logit`);

    const dlogits = new Float32Array(rows * vocab);
    for (const { start, cols, block } of chunks) {
      const d = new Float32Array(rows * cols).fill(Number.NaN);
      backward({ logits: block, rows, cols, vocabStart: start, targets, lse, rowScale, dlogits: d });
      for (let r = 0; r < rows; r++) dlogits.set(d.subarray(r * cols, (r + 1) * cols), r * vocab + start);
    }
    expectClose(dlogits, wantDlogits, { rtol: 1e-4, atol: 1e-7 }, `${mode} dlogits`);
    if (rows > 1) expect(Array.from(dlogits.subarray(vocab, 2 * vocab))).toEqual(new Array(vocab).fill(0)); // ignored row
  });
});

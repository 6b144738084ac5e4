import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64, weightedSum } from '../../gradcheck.js';
import { softmax, softmaxBackward } from './softmax.js';

const rng = makeRng(11);
const random64 = (n: number, scale = 1): Float64Array =>
  Float64Array.from({ length: n }, () => scale * rng.normal());

function run(x: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  softmax({ x: k64(x), out: k64(out), rows, cols });
  return out;
}

const SHAPES = [
  { rows: 1, cols: 1, scale: 1 },
  { rows: 1, cols: 5, scale: 1 },
  { rows: 3, cols: 4, scale: 3 },
  { rows: 2, cols: 7, scale: 0.1 },
  { rows: 4, cols: 17, scale: 5 },
];

describe('softmax (reference)', () => {
  test.each(SHAPES)(
    '$rows×$cols (scale $scale) equals exp(x) / Σ exp(x) per row',
    ({ rows, cols, scale }) => {
      const x = random64(rows * cols, scale);
      const expected = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const row = x.subarray(r * cols, (r + 1) * cols);
        const total = row.reduce((s, v) => s + Math.exp(v), 0);
        for (let c = 0; c < cols; c++) expected[r * cols + c] = Math.exp(row[c]!) / total;
      }
      expectClose(run(x, rows, cols), expected, { rtol: 1e-14, atol: 1e-16 }, 'softmax');
    },
  );

  test('is shift-invariant and does not overflow for logits near 1000', () => {
    const x = random64(2 * 9, 3);
    const shifted = x.map((v) => v + 1000);
    expectClose(run(shifted, 2, 9), run(x, 2, 9), { rtol: 1e-12, atol: 1e-15 }, 'shifted');
  });

  test('-Infinity entries (a mask) get exactly 0', () => {
    const y = run(Float64Array.from([0, Number.NEGATIVE_INFINITY, 0, Number.NEGATIVE_INFINITY]), 1, 4);
    expect(Array.from(y)).toEqual([0.5, 0, 0.5, 0]);
  });

  test.each(SHAPES)('$rows×$cols backward matches finite differences', ({ rows, cols, scale }) => {
    const x = random64(rows * cols, scale);
    const dy = random64(rows * cols);
    const y = run(x, rows, cols);
    const dx = new Float64Array(rows * cols);
    softmaxBackward({ y: k64(y), dy: k64(dy), dx: k64(dx), rows, cols });
    gradcheck(() => weightedSum(run(x, rows, cols), dy), [{ name: 'dx', value: x, grad: dx }]);
  });

  test('rejects a short output buffer', () => {
    const call = () => softmax({ x: new Float32Array(6), out: new Float32Array(5), rows: 2, cols: 3 });
    expect(call).toThrow(/softmax: out \(T, C\) expected at least 6 elements, got 5/);
  });
});

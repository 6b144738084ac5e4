import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64, weightedSum } from '../../gradcheck.js';
import { rmsnorm, rmsnormBackward } from './rmsnorm.js';

const rng = makeRng(13);
const random64 = (n: number, scale = 1): Float64Array =>
  Float64Array.from({ length: n }, () => scale * rng.normal());

const CASES = [
  { rows: 1, cols: 1, eps: 1e-6, weightOffset: 0 },
  { rows: 2, cols: 5, eps: 1e-6, weightOffset: 0 },
  { rows: 3, cols: 8, eps: 1e-5, weightOffset: 1 },
  { rows: 4, cols: 7, eps: 0.5, weightOffset: 0 },
  { rows: 2, cols: 16, eps: 1e-6, weightOffset: 1 },
];

describe('rmsnorm (reference)', () => {
  test.each(CASES)(
    '$rows×$cols offset $weightOffset: out = x / rms · (offset + w)',
    ({ rows, cols, eps, weightOffset }) => {
      const x = random64(rows * cols, 2);
      const weight = random64(cols);
      const out = new Float64Array(rows * cols);
      const rstd = new Float64Array(rows);
      rmsnorm({
        x: k64(x),
        weight: k64(weight),
        out: k64(out),
        rstd: k64(rstd),
        rows,
        cols,
        eps,
        weightOffset,
      });
      for (let r = 0; r < rows; r++) {
        const row = x.subarray(r * cols, (r + 1) * cols);
        const rms = Math.sqrt(row.reduce((s, v) => s + v * v, 0) / cols + eps);
        expect(rstd[r]).toBeCloseTo(1 / rms, 12);
        const expected = row.map((v, c) => (v / rms) * (weightOffset + weight[c]!));
        expectClose(
          out.subarray(r * cols, (r + 1) * cols),
          expected,
          { rtol: 1e-13, atol: 1e-15 },
          `row ${r}`,
        );
      }
    },
  );

  test.each(CASES)('$rows×$cols offset $weightOffset: backward dx, dweight match finite differences', (c) => {
    const { rows, cols, eps, weightOffset } = c;
    const x = random64(rows * cols, 2);
    const weight = random64(cols);
    const dout = random64(rows * cols);
    const forward = (rstd = new Float64Array(rows)): number => {
      const out = new Float64Array(rows * cols);
      rmsnorm({
        x: k64(x),
        weight: k64(weight),
        out: k64(out),
        rstd: k64(rstd),
        rows,
        cols,
        eps,
        weightOffset,
      });
      return weightedSum(out, dout);
    };
    const rstd = new Float64Array(rows);
    forward(rstd);
    const dx = new Float64Array(rows * cols);
    const dw0 = random64(cols); // accumulated onto, never overwritten
    const dw = dw0.slice();
    rmsnormBackward({
      dout: k64(dout),
      x: k64(x),
      weight: k64(weight),
      rstd: k64(rstd),
      dx: k64(dx),
      dweightAccumulate: k64(dw),
      rows,
      cols,
      weightOffset,
    });
    gradcheck(forward, [
      { name: 'dx', value: x, grad: dx },
      { name: 'dweight', value: weight, grad: dw.map((v, i) => v - dw0[i]!) },
    ]);
  });

  test('backward without dweightAccumulate still writes dx', () => {
    const [rows, cols] = [2, 3];
    const x = new Float32Array([1, 2, 3, -1, 0, 1]);
    const weight = new Float32Array([1, 1, 1]);
    const rstd = new Float32Array(rows);
    rmsnorm({ x, weight, out: new Float32Array(6), rstd, rows, cols, eps: 1e-6 });
    const dx = new Float32Array(6).fill(Number.NaN);
    rmsnormBackward({ dout: new Float32Array(6).fill(1), x, weight, rstd, dx, rows, cols });
    expect(dx.every(Number.isFinite)).toBe(true);
  });

  test('rejects a weight shorter than cols', () => {
    const args = {
      x: new Float32Array(8),
      out: new Float32Array(8),
      rstd: new Float32Array(2),
      rows: 2,
      cols: 4,
      eps: 1e-6,
    };
    expect(() => rmsnorm({ ...args, weight: new Float32Array(3) })).toThrow(
      /rmsnorm: weight \(C\) expected at least 4 elements, got 3/,
    );
  });
});

import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64, weightedSum } from '../../gradcheck.js';
import { layernorm, layernormBackward } from './layernorm.js';

const rng = makeRng(17);
const random64 = (n: number, scale = 1, shift = 0): Float64Array =>
  Float64Array.from({ length: n }, () => shift + scale * rng.normal());

const CASES = [
  { rows: 1, cols: 2, eps: 1e-5 },
  { rows: 2, cols: 5, eps: 1e-5 },
  { rows: 3, cols: 8, eps: 1e-3 },
  { rows: 4, cols: 17, eps: 1e-5 },
];

function forwardArgs(
  x: Float64Array,
  weight: Float64Array,
  bias: Float64Array,
  rows: number,
  cols: number,
  eps: number,
) {
  const out = new Float64Array(rows * cols);
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  layernorm({
    x: k64(x),
    weight: k64(weight),
    bias: k64(bias),
    out: k64(out),
    mean: k64(mean),
    rstd: k64(rstd),
    rows,
    cols,
    eps,
  });
  return { out, mean, rstd };
}

describe('layernorm (reference)', () => {
  test.each(CASES)('$rows×$cols: out = (x − mean) / sqrt(var + eps) · w + b', ({ rows, cols, eps }) => {
    const x = random64(rows * cols, 2, 3); // a large mean: the two-pass variance stays exact
    const weight = random64(cols);
    const bias = random64(cols);
    const { out, mean, rstd } = forwardArgs(x, weight, bias, rows, cols, eps);
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * cols, (r + 1) * cols);
      const mu = row.reduce((s, v) => s + v, 0) / cols;
      const variance = row.reduce((s, v) => s + (v - mu) ** 2, 0) / cols;
      expect(mean[r]).toBeCloseTo(mu, 12);
      expect(rstd[r]).toBeCloseTo(1 / Math.sqrt(variance + eps), 10);
      const expected = row.map((v, c) => ((v - mu) / Math.sqrt(variance + eps)) * weight[c]! + bias[c]!);
      expectClose(out.subarray(r * cols, (r + 1) * cols), expected, { rtol: 1e-12, atol: 1e-14 }, `row ${r}`);
    }
  });

  test.each(CASES)(
    '$rows×$cols: backward dx, dweight, dbias match finite differences',
    ({ rows, cols, eps }) => {
      const x = random64(rows * cols, 2, 1);
      const weight = random64(cols);
      const bias = random64(cols);
      const dout = random64(rows * cols);
      const loss = (): number => weightedSum(forwardArgs(x, weight, bias, rows, cols, eps).out, dout);
      const { mean, rstd } = forwardArgs(x, weight, bias, rows, cols, eps);
      const dx = new Float64Array(rows * cols);
      const dw0 = random64(cols);
      const db0 = random64(cols);
      const dw = dw0.slice();
      const db = db0.slice();
      layernormBackward({
        dout: k64(dout),
        x: k64(x),
        weight: k64(weight),
        mean: k64(mean),
        rstd: k64(rstd),
        dx: k64(dx),
        dweightAccumulate: k64(dw),
        dbiasAccumulate: k64(db),
        rows,
        cols,
      });
      gradcheck(loss, [
        { name: 'dx', value: x, grad: dx },
        { name: 'dweight', value: weight, grad: dw.map((v, i) => v - dw0[i]!) },
        { name: 'dbias', value: bias, grad: db.map((v, i) => v - db0[i]!) },
      ]);
    },
  );

  test('rejects a short mean buffer', () => {
    const f = new Float32Array(8);
    const call = () =>
      layernorm({
        x: f,
        weight: f,
        bias: f,
        out: f,
        mean: new Float32Array(1),
        rstd: f,
        rows: 2,
        cols: 4,
        eps: 1e-5,
      });
    expect(call).toThrow(/layernorm: mean \(T\) expected at least 2 elements, got 1/);
  });
});

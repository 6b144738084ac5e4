import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64, weightedSum } from '../../gradcheck.js';
import type { HostArgs } from '../../device/arrays.js';
import type { MatmulArgs } from '../types.js';
import { batchedMatmul } from './batched-matmul.js';
import { matmul } from './matmul.js';

const rng = makeRng(7);
const random64 = (n: number): Float64Array => Float64Array.from({ length: n }, () => rng.uniform(-1, 1));

/** Independent oracle: each element from its definition, op(A)[i, p] and op(B)[p, j] by explicit index. */
function naive(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  ta: boolean,
  tb: boolean,
) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (ta ? a[p * m + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * n + j]!);
      out[i * n + j] = s;
    }
  }
  return out;
}

const LAYOUTS = [
  { layout: 'NN', transA: false, transB: false },
  { layout: 'NT', transA: false, transB: true },
  { layout: 'TN', transA: true, transB: false },
  { layout: 'TT', transA: true, transB: true },
];
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 4],
  [7, 1, 9],
  [1, 17, 3],
  [5, 3, 0],
];
const FORWARD = LAYOUTS.flatMap((l) => SHAPES.map(([m, n, k]) => ({ ...l, m, n, k })));

describe('matmul (reference)', () => {
  test.each(FORWARD)('$layout $m×$n×$k equals the element formula', ({ transA, transB, m, n, k }) => {
    const a = random64(m * k);
    const b = random64(k * n);
    const out = new Float64Array(m * n).fill(Number.NaN); // overwrite ignores what out held
    matmul({ a: k64(a), b: k64(b), out: k64(out), m, n, k, transA, transB });
    expectClose(out, naive(a, b, m, n, k, transA, transB), { rtol: 1e-13, atol: 1e-15 }, 'out');
  });

  test.each(LAYOUTS)('$layout: accumulate adds alpha·op(A)·op(B) onto out', ({ transA, transB }) => {
    const [m, n, k] = [4, 6, 5];
    const a = random64(m * k);
    const b = random64(k * n);
    const out0 = random64(m * n);
    const out = out0.slice();
    matmul({ a: k64(a), b: k64(b), out: k64(out), m, n, k, transA, transB, alpha: -0.75, accumulate: true });
    const expected = naive(a, b, m, n, k, transA, transB).map((v, i) => -0.75 * v + out0[i]!);
    expectClose(out, expected, { rtol: 1e-13, atol: 1e-15 }, 'out');
  });

  test.each(LAYOUTS)('$layout on float32 rounds the float64 sum once', ({ transA, transB }) => {
    const [m, n, k] = [9, 7, 33];
    const a = Float32Array.from(random64(m * k));
    const b = Float32Array.from(random64(k * n));
    const out = new Float32Array(m * n);
    matmul({ a, b, out, m, n, k, transA, transB });
    expect(Array.from(out)).toEqual(Array.from(naive(a, b, m, n, k, transA, transB), Math.fround));
  });

  // For C = op(A)·op(B) and loss = Σ C ⊙ dC, each layout's dA and dB are matmuls in the other layouts.
  const BACKWARD: { layout: string; transA: boolean; transB: boolean; dA: Grad; dB: Grad }[] = [
    {
      layout: 'NN',
      transA: false,
      transB: false,
      dA: ['dC', 'B', 'NT', 'M', 'K', 'N'],
      dB: ['A', 'dC', 'TN', 'K', 'N', 'M'],
    },
    {
      layout: 'NT',
      transA: false,
      transB: true,
      dA: ['dC', 'B', 'NN', 'M', 'K', 'N'],
      dB: ['dC', 'A', 'TN', 'N', 'K', 'M'],
    },
    {
      layout: 'TN',
      transA: true,
      transB: false,
      dA: ['B', 'dC', 'NT', 'K', 'M', 'N'],
      dB: ['A', 'dC', 'NN', 'K', 'N', 'M'],
    },
    {
      layout: 'TT',
      transA: true,
      transB: true,
      dA: ['B', 'dC', 'TT', 'K', 'M', 'N'],
      dB: ['dC', 'A', 'TT', 'N', 'K', 'M'],
    },
  ];
  type Dim = 'M' | 'N' | 'K';
  type Grad = [lhs: 'A' | 'B' | 'dC', rhs: 'A' | 'B' | 'dC', layout: string, m: Dim, n: Dim, k: Dim];

  test.each(BACKWARD)('$layout backward: dA, dB are matmuls in transposed layouts (gradcheck)', (c) => {
    const dims = { M: 3, N: 4, K: 5 };
    const bufs = {
      A: random64(dims.M * dims.K),
      B: random64(dims.K * dims.N),
      dC: random64(dims.M * dims.N),
    };
    const forward = (): number => {
      const out = new Float64Array(dims.M * dims.N);
      matmul({
        a: k64(bufs.A),
        b: k64(bufs.B),
        out: k64(out),
        m: dims.M,
        n: dims.N,
        k: dims.K,
        transA: c.transA,
        transB: c.transB,
      });
      return weightedSum(out, bufs.dC);
    };
    const grad = ([lhs, rhs, layout, m, n, k]: Grad): Float64Array => {
      const out = new Float64Array(dims[m] * dims[n]);
      const args: HostArgs<MatmulArgs> = {
        a: k64(bufs[lhs]),
        b: k64(bufs[rhs]),
        out: k64(out),
        m: dims[m],
        n: dims[n],
        k: dims[k],
      };
      matmul({ ...args, transA: layout[0] === 'T', transB: layout[1] === 'T' });
      return out;
    };
    gradcheck(forward, [
      { name: 'dA', value: bufs.A, grad: grad(c.dA) },
      { name: 'dB', value: bufs.B, grad: grad(c.dB) },
    ]);
  });

  test.each([
    [{ m: 2, n: 2, k: 3, a: 5, b: 6, out: 4 }, /matmul: a \(M, K\) expected at least 6 elements, got 5/],
    [{ m: 2, n: 2, k: 3, a: 6, b: 6, out: 3 }, /matmul: out \(M, N\) expected at least 4 elements, got 3/],
    [{ m: -1, n: 2, k: 3, a: 6, b: 6, out: 4 }, /matmul: m expected a non-negative integer, got -1/],
  ])('rejects %o', ({ m, n, k, a, b, out }, message) => {
    const call = () =>
      matmul({ a: new Float32Array(a), b: new Float32Array(b), out: new Float32Array(out), m, n, k });
    expect(call).toThrow(message);
  });
});

describe('batchedMatmul (reference)', () => {
  test.each(LAYOUTS)(
    '$layout equals one matmul per batch entry, with alpha and accumulate',
    ({ transA, transB }) => {
      const [batch, m, n, k] = [3, 4, 5, 6];
      const a = random64(batch * m * k);
      const b = random64(batch * k * n);
      const out0 = random64(batch * m * n);
      const out = out0.slice();
      batchedMatmul({
        a: k64(a),
        b: k64(b),
        out: k64(out),
        batch,
        m,
        n,
        k,
        transA,
        transB,
        alpha: 2,
        accumulate: true,
      });
      for (let s = 0; s < batch; s++) {
        const part = naive(a.subarray(s * m * k), b.subarray(s * k * n), m, n, k, transA, transB);
        const expected = part.map((v, i) => 2 * v + out0[s * m * n + i]!);
        expectClose(
          out.subarray(s * m * n, (s + 1) * m * n),
          expected,
          { rtol: 1e-13, atol: 1e-15 },
          `batch ${s}`,
        );
      }
    },
  );

  test('rejects a batch larger than the buffers', () => {
    const args = {
      a: new Float32Array(12),
      b: new Float32Array(12),
      out: new Float32Array(8),
      m: 2,
      n: 2,
      k: 3,
    };
    expect(() => batchedMatmul({ ...args, batch: 3 })).toThrow(
      /batchedMatmul: a \(M, K\) expected at least 18 elements, got 12/,
    );
  });
});

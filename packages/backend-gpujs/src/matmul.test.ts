import { expectClose, makeRng } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';
import { plainMatmul } from './test-support/plain-loops.js';

const shapes = [
  { m: 1, n: 1, k: 1 },
  { m: 2, n: 3, k: 5 },
  { m: 7, n: 5, k: 3 },
  { m: 3, n: 17, k: 13 },
];
const layouts = [
  { transA: false, transB: false },
  { transA: true, transB: false },
  { transA: false, transB: true },
  { transA: true, transB: true },
];

describe.each(await nodeModes())('matmul on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const matmul = gpujsKernels(runner).matmul;
  const batchedMatmul = gpujsKernels(runner).batchedMatmul;
  afterAll(() => runner.destroy());

  const cases = shapes.flatMap((s) => layouts.map((l) => ({ ...s, ...l })));
  test.each(cases)('m=$m n=$n k=$k transA=$transA transB=$transB', ({ m, n, k, transA, transB }) => {
    const rng = makeRng(m * 100 + n * 10 + k);
    const a = new Float32Array(m * k);
    const b = new Float32Array(k * n);
    rng.fill(a);
    rng.fill(b);
    const expected = new Float32Array(m * n);
    plainMatmul({ a, b, out: expected, m, n, k, transA, transB, batch: 1 });
    const out = new Float32Array(m * n).fill(Number.NaN);
    matmul({ a, b, out, m, n, k, transA, transB });
    expectClose(out, expected, { rtol: 1e-5, atol: 1e-6 }, `${mode} matmul`);

    const acc = new Float32Array(m * n);
    rng.fill(acc);
    const accExpected = Float32Array.from(acc);
    plainMatmul({ a, b, out: accExpected, m, n, k, transA, transB, batch: 1, accumulate: true, alpha: -0.5 });
    matmul({ a, b, out: acc, m, n, k, transA, transB, accumulate: true, alpha: -0.5 });
    expectClose(acc, accExpected, { rtol: 1e-5, atol: 1e-6 }, `${mode} matmul accumulate alpha`);
  });

  test.each(layouts)(
    'batchedMatmul batch=3 m=4 n=3 k=5 transA=$transA transB=$transB',
    ({ transA, transB }) => {
      const [batch, m, n, k] = [3, 4, 3, 5];
      const rng = makeRng(7);
      const a = new Float32Array(batch * m * k);
      const b = new Float32Array(batch * k * n);
      rng.fill(a);
      rng.fill(b);
      const expected = new Float32Array(batch * m * n);
      plainMatmul({ a, b, out: expected, m, n, k, batch, transA, transB, alpha: 0.25 });
      const out = new Float32Array(batch * m * n);
      batchedMatmul({ a, b, out, m, n, k, batch, transA, transB, alpha: 0.25 });
      expectClose(out, expected, { rtol: 1e-5, atol: 1e-6 }, `${mode} batchedMatmul`);
    },
  );

  test('reuses one compiled kernel per shape and writes only the head of a larger out', () => {
    const a = Float32Array.from([1, 2, 3, 4]);
    const b = Float32Array.from([5, 6, 7, 8]);
    const out = new Float32Array(6).fill(9);
    const before = runner.compiled;
    matmul({ a, b, out, m: 2, n: 2, k: 2 });
    matmul({ a, b, out, m: 2, n: 2, k: 2 });
    expect(runner.compiled - before).toBe(1);
    expect(Array.from(out)).toEqual([19, 22, 43, 50, 9, 9]);
  });

  test('k = 0 gives zeros, or leaves out alone when accumulating', () => {
    const out = Float32Array.from([1, 2]);
    matmul({ a: new Float32Array(0), b: new Float32Array(0), out, m: 1, n: 2, k: 0, accumulate: true });
    expect(Array.from(out)).toEqual([1, 2]);
    matmul({ a: new Float32Array(0), b: new Float32Array(0), out, m: 1, n: 2, k: 0 });
    expect(Array.from(out)).toEqual([0, 0]);
  });

  test('a short operand throws a named error', () => {
    const call = () =>
      matmul({ a: new Float32Array(3), b: new Float32Array(4), out: new Float32Array(4), m: 2, n: 2, k: 2 });
    expect(call).toThrow(/matmul: a expected at least 4 elements, got 3/);
  });
});

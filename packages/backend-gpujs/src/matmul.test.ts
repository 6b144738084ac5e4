import { afterAll, describe, expect, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';

// (values against the reference: host-kernels.test.ts)
describe.each(await nodeModes())('matmul on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const matmul = gpujsKernels(runner).matmul;
  afterAll(() => runner.destroy());

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

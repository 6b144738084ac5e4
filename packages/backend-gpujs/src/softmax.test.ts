import { expectClose } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';

// (values against the reference: host-kernels.test.ts)
describe.each(await nodeModes())('softmax on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const softmax = gpujsKernels(runner).softmax;
  afterAll(() => runner.destroy());

  test('rows sum to one and a larger scratch out keeps its tail', () => {
    const x = Float32Array.from([0, 1, 2, -1, -1, -1]);
    const out = new Float32Array(8).fill(7);
    softmax({ x, out, rows: 2, cols: 3 });
    expect(out[0]! + out[1]! + out[2]!).toBeCloseTo(1, 6);
    expectClose(out.subarray(3, 6), [1 / 3, 1 / 3, 1 / 3], { rtol: 1e-6 }, 'uniform row');
    expect(Array.from(out.subarray(6))).toEqual([7, 7]);
  });

  test('a short x throws a named error', () => {
    expect(() => softmax({ x: new Float32Array(5), out: new Float32Array(6), rows: 2, cols: 3 })).toThrow(
      /softmax: x expected at least 6 elements, got 5/,
    );
  });
});

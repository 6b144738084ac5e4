import { referenceKernels } from '@lora/core';
import { expectClose } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';

// (values against the reference: host-kernels.test.ts)
describe.each(await nodeModes())('rmsnorm on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const rmsnorm = gpujsKernels(runner).rmsnorm;
  const rmsnormBackward = gpujsKernels(runner).rmsnormBackward;
  afterAll(() => runner.destroy());

  test('backward without dweightAccumulate still gives dx', () => {
    const x = Float32Array.from([1, 2, 3, 4]);
    const weight = Float32Array.from([0.5, 2]);
    const dout = Float32Array.from([1, 0, 0, 1]);
    const out = new Float32Array(4);
    const rstd = new Float32Array(2);
    rmsnorm({ x, weight, out, rstd, rows: 2, cols: 2, eps: 0 });
    expectClose(rstd, [1 / Math.sqrt(2.5), 1 / Math.sqrt(12.5)], { rtol: 1e-6 }, 'rstd by hand');
    const dx = new Float32Array(4);
    rmsnormBackward({ dout, x, weight, rstd, dx, rows: 2, cols: 2 });
    const want = new Float32Array(4);
    referenceKernels.rmsnormBackward({ dout, x, weight, rstd, dx: want, rows: 2, cols: 2 });
    expectClose(dx, want, { rtol: 1e-5, atol: 1e-7 }, `${mode} dx`);
  });

  test('a non-finite eps throws a named error', () => {
    const call = () =>
      rmsnorm({
        x: new Float32Array(2),
        weight: new Float32Array(2),
        out: new Float32Array(2),
        rstd: new Float32Array(1),
        rows: 1,
        cols: 2,
        eps: Number.NaN,
      });
    expect(call).toThrow(/rmsnorm: eps expected a finite number, got NaN/);
  });
});

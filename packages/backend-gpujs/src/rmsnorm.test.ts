import { expectClose, makeRng } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';
import { plainRmsnorm } from './test-support/plain-loops.js';

const cases = [
  { rows: 1, cols: 1, weightOffset: 0 },
  { rows: 3, cols: 5, weightOffset: 0 },
  { rows: 5, cols: 7, weightOffset: 1 }, // Gemma: (1 + w)
  { rows: 2, cols: 33, weightOffset: 0 },
];

describe.each(await nodeModes())('rmsnorm on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const rmsnorm = gpujsKernels(runner).rmsnorm;
  const rmsnormBackward = gpujsKernels(runner).rmsnormBackward;
  afterAll(() => runner.destroy());

  test.each(cases)('rows=$rows cols=$cols weightOffset=$weightOffset', ({ rows, cols, weightOffset }) => {
    const rng = makeRng(rows * 7 + cols);
    const [x, weight, dout] = [rows * cols, cols, rows * cols].map((n) => new Float32Array(n)) as [
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    rng.fill(x, -2, 2);
    rng.fill(weight, 0.5, 1.5);
    rng.fill(dout);
    const eps = 1e-5;
    const want = plainRmsnorm({ x, weight, dout, rows, cols, eps, weightOffset });

    const out = new Float32Array(rows * cols).fill(Number.NaN);
    const rstd = new Float32Array(rows).fill(Number.NaN);
    rmsnorm({ x, weight, out, rstd, rows, cols, eps, weightOffset });
    expectClose(rstd, want.rstd, { rtol: 1e-5 }, `${mode} rstd`);
    expectClose(out, want.out, { rtol: 1e-5, atol: 1e-6 }, `${mode} rmsnorm out`);

    const dx = new Float32Array(rows * cols).fill(Number.NaN);
    const dweightAccumulate = new Float32Array(cols).fill(0.5);
    rmsnormBackward({ dout, x, weight, rstd, dx, dweightAccumulate, rows, cols, weightOffset });
    expectClose(dx, want.dx, { rtol: 1e-5, atol: 1e-6 }, `${mode} rmsnorm dx`);
    expectClose(
      dweightAccumulate,
      Array.from(want.dweight, (d) => d + 0.5),
      { rtol: 1e-4, atol: 1e-5 },
      `${mode} dweight`,
    );
  });

  test('backward without dweightAccumulate still gives dx', () => {
    const x = Float32Array.from([1, 2, 3, 4]);
    const weight = Float32Array.from([0.5, 2]);
    const dout = Float32Array.from([1, 0, 0, 1]);
    const want = plainRmsnorm({ x, weight, dout, rows: 2, cols: 2, eps: 0 });
    const out = new Float32Array(4);
    const rstd = new Float32Array(2);
    rmsnorm({ x, weight, out, rstd, rows: 2, cols: 2, eps: 0 });
    expectClose(rstd, [1 / Math.sqrt(2.5), 1 / Math.sqrt(12.5)], { rtol: 1e-6 }, 'rstd by hand');
    const dx = new Float32Array(4);
    rmsnormBackward({ dout, x, weight, rstd, dx, rows: 2, cols: 2 });
    expectClose(dx, want.dx, { rtol: 1e-5, atol: 1e-7 }, `${mode} dx`);
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

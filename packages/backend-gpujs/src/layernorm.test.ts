import { expectClose, makeRng } from '@lora/testing';
import { afterAll, describe, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';
import { plainLayernorm } from './test-support/plain-loops.js';

const shapes = [
  { rows: 1, cols: 1 },
  { rows: 3, cols: 5 },
  { rows: 4, cols: 19 },
];

describe.each(await nodeModes())('layernorm on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const layernorm = gpujsKernels(runner).layernorm;
  const layernormBackward = gpujsKernels(runner).layernormBackward;
  afterAll(() => runner.destroy());

  test.each(shapes)('rows=$rows cols=$cols', ({ rows, cols }) => {
    const rng = makeRng(rows * 13 + cols);
    const [x, weight, bias, dout] = [rows * cols, cols, cols, rows * cols].map(
      (n) => new Float32Array(n),
    ) as [Float32Array, Float32Array, Float32Array, Float32Array];
    rng.fill(x, 1, 3); // an offset mean, so a missing mean subtraction shows
    rng.fill(weight, 0.5, 1.5);
    rng.fill(bias);
    rng.fill(dout);
    const eps = 1e-5;
    const want = plainLayernorm({ x, weight, bias, dout, rows, cols, eps });

    const out = new Float32Array(rows * cols).fill(Number.NaN);
    const mean = new Float32Array(rows).fill(Number.NaN);
    const rstd = new Float32Array(rows).fill(Number.NaN);
    layernorm({ x, weight, bias, out, mean, rstd, rows, cols, eps });
    expectClose(mean, want.mean, { rtol: 1e-5 }, `${mode} mean`);
    expectClose(rstd, want.rstd, { rtol: 1e-5 }, `${mode} rstd`);
    expectClose(out, want.out, { rtol: 1e-5, atol: 1e-6 }, `${mode} layernorm out`);

    const dx = new Float32Array(rows * cols).fill(Number.NaN);
    const dweightAccumulate = new Float32Array(cols).fill(1);
    const dbiasAccumulate = new Float32Array(cols).fill(-1);
    layernormBackward({ dout, x, weight, mean, rstd, dx, dweightAccumulate, dbiasAccumulate, rows, cols });
    expectClose(dx, want.dx, { rtol: 1e-5, atol: 1e-6 }, `${mode} layernorm dx`);
    expectClose(
      dweightAccumulate,
      Array.from(want.dweight, (d) => d + 1),
      { rtol: 1e-4, atol: 1e-5 },
      `${mode} dweight`,
    );
    expectClose(
      dbiasAccumulate,
      Array.from(want.dbias, (d) => d - 1),
      { rtol: 1e-5, atol: 1e-6 },
      `${mode} dbias`,
    );

    const dxOnly = new Float32Array(rows * cols);
    layernormBackward({ dout, x, weight, mean, rstd, dx: dxOnly, rows, cols });
    expectClose(dxOnly, dx, { rtol: 0, atol: 0 }, `${mode} dx without accumulators`);
  });
});

import { expectClose, makeRng } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';
import { plainSoftmax, plainSoftmaxBackward } from './test-support/plain-loops.js';

const shapes = [
  { rows: 1, cols: 1, scale: 1 },
  { rows: 3, cols: 5, scale: 1 },
  { rows: 4, cols: 17, scale: 3 },
  { rows: 2, cols: 33, scale: 100 }, // exp(±100) overflows f32 unless the row max is subtracted
];

describe.each(await nodeModes())('softmax on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const softmax = gpujsKernels(runner).softmax;
  const softmaxBackward = gpujsKernels(runner).softmaxBackward;
  afterAll(() => runner.destroy());

  test.each(shapes)('rows=$rows cols=$cols values in ±$scale', ({ rows, cols, scale }) => {
    const rng = makeRng(rows * 31 + cols);
    const x = new Float32Array(rows * cols);
    rng.fill(x, -scale, scale);
    const out = new Float32Array(rows * cols).fill(Number.NaN);
    softmax({ x, out, rows, cols });
    expectClose(out, plainSoftmax(x, rows, cols), { rtol: 1e-5, atol: 1e-7 }, `${mode} softmax`);

    const dy = new Float32Array(rows * cols);
    rng.fill(dy);
    const dx = new Float32Array(rows * cols).fill(Number.NaN);
    softmaxBackward({ y: out, dy, dx, rows, cols });
    expectClose(
      dx,
      plainSoftmaxBackward(out, dy, rows, cols),
      { rtol: 1e-4, atol: 1e-6 },
      `${mode} softmaxBackward`,
    );
  });

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

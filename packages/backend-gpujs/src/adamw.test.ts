import { expectClose, makeRng } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';
import { plainAdamw } from './test-support/plain-loops.js';

describe.each(await nodeModes())('adamw on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const adamw = gpujsKernels(runner).adamw;
  afterAll(() => runner.destroy());

  test.each([
    { n: 1, step: 1, weightDecay: 0 },
    { n: 9, step: 3, weightDecay: 0.01 },
    { n: 130, step: 1000, weightDecay: 0.1 },
  ])('n=$n step=$step weightDecay=$weightDecay', ({ n, step, weightDecay }) => {
    const rng = makeRng(n + step);
    const [param, grad, m, v] = [0, 1, 2, 3].map(() => new Float32Array(n)) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    rng.fill(param);
    rng.fill(grad);
    rng.fill(m, -0.1, 0.1);
    rng.fill(v, 0, 0.01);
    const args = { param, grad, m, v, step, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, n };
    const want = plainAdamw(args);
    adamw(args);
    // f32 arithmetic against a float64 oracle: a few ulps of the operands (m ~ 0.1, v ~ 0.01, param ~ 1)
    expectClose(m, want.m, { rtol: 1e-6, atol: 2e-8 }, `${mode} m`);
    expectClose(v, want.v, { rtol: 1e-6, atol: 2e-9 }, `${mode} v`);
    expectClose(param, want.param, { rtol: 1e-6, atol: 1e-7 }, `${mode} param`);
  });

  test('step 0 throws a named error', () => {
    const a = new Float32Array(1);
    const call = () =>
      adamw({
        param: a,
        grad: a,
        m: a,
        v: a,
        step: 0,
        lr: 1,
        beta1: 0.9,
        beta2: 0.99,
        eps: 1e-8,
        weightDecay: 0,
        n: 1,
      });
    expect(call).toThrow(/adamw: step expected an integer >= 1/);
  });
});

import { afterAll, describe, expect, test } from 'vitest';
import { gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { nodeModes } from './test-support/node-modes.js';

// (values against the reference: host-kernels.test.ts)
describe.each(await nodeModes())('adamw on gpu.js %s', (mode) => {
  const runner = new KernelRunner(mode);
  const adamw = gpujsKernels(runner).adamw;
  afterAll(() => runner.destroy());

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

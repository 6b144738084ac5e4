// The host-array kernels (gpujsKernels) of every gpu.js mode that runs here, against the reference on the core kernel
// case catalogue's small cases (test-support/catalogue.ts; the browser page runs the GPU modes on the same cases, and
// @lora/conformance every case on the registered backends).
import { type KernelCase, referenceKernels, resolveTolerance } from '@lora/core';
import { expectClose } from '@lora/testing';
import { afterAll, describe, test } from 'vitest';
import { type GpujsKernelName, gpujsKernels } from './backend.js';
import { KernelRunner } from './runner.js';
import { hostCases } from './test-support/catalogue.js';
import { nodeModes } from './test-support/node-modes.js';

type Args = Record<string, unknown>;

describe.each(await nodeModes())('host kernels on gpu.js %s against the reference', (mode) => {
  const runner = new KernelRunner(mode);
  const kernels = gpujsKernels(runner);
  afterAll(() => runner.destroy());

  test.each(hostCases().map((c) => [`${c.kernel} ${c.name}`, c] as const))('%s', (_, c: KernelCase) => {
    const expected = c.args();
    (referenceKernels[c.kernel] as unknown as (a: Args) => void)(expected);
    const got = c.args();
    (kernels[c.kernel as GpujsKernelName] as unknown as (a: Args) => void)(got);
    for (const [key, tolerance] of Object.entries(c.tolerances)) {
      const want = expected[key] as Float32Array | undefined;
      if (!want) continue; // an optional output this case leaves out
      expectClose(got[key] as Float32Array, want, resolveTolerance(tolerance, want), `${mode} ${c.kernel} ${c.name}: ${key}`);
    }
  });
});

// The gradient reductions read a large array with many workgroups: one dispatch up to ONE_PASS elements, then a
// first pass of at most MAX_PARTIALS workgroups over contiguous chunks and one second pass over their partials. The
// values are held to the reference by @lora/conformance; here, the split itself and arrays past MAX_PARTIALS chunks.
import { backendMemory, disposeBackends, getKernelImpl, type KernelSignatures, toHost } from '@lora/core';
import { useSoftwareVulkan } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { registerWebgpuBackend, WEBGPU_BACKEND, webgpuDevice } from '../backend.js';
import type { WebGpuMemory } from '../memory.js';
import { MAX_PARTIALS, ONE_PASS, reductionSplit } from './grad-stats.js';

useSoftwareVulkan(); // before Dawn first enumerates adapters
await registerWebgpuBackend();
afterAll(disposeBackends);
const skipped = 'skipped: no WebGPU adapter; install chromium for SwiftShader, or run on a GPU';

describe('reductionSplit', () => {
  test.each([
    ONE_PASS + 1,
    65539,
    3 * 65536 + 5,
    ONE_PASS * MAX_PARTIALS,
    ONE_PASS * MAX_PARTIALS + 7,
    2 ** 31,
  ])('n %i: at most MAX_PARTIALS chunks that cover n, none empty', (n) => {
    const { groups, chunk } = reductionSplit(n);
    expect(groups).toBeLessThanOrEqual(MAX_PARTIALS);
    expect(groups * chunk).toBeGreaterThanOrEqual(n);
    expect((groups - 1) * chunk).toBeLessThan(n);
  });
});

describe.skipIf(!webgpuDevice())('sumSquares and countNonFinite on webgpu', () => {
  const memory = () => backendMemory(WEBGPU_BACKEND) as WebGpuMemory;
  const sumSquares = getKernelImpl('sumSquares', WEBGPU_BACKEND) as KernelSignatures['sumSquares'];
  const countNonFinite = getKernelImpl(
    'countNonFinite',
    WEBGPU_BACKEND,
  ) as KernelSignatures['countNonFinite'];

  test(`one dispatch up to ${ONE_PASS} elements, two above`, async () => {
    for (const [n, dispatches] of [
      [ONE_PASS, 1],
      [ONE_PASS + 1, 2],
    ] as const) {
      const x = memory().upload(new Float32Array(n).fill(0.5));
      const out = memory().upload(Float32Array.of(1));
      const before = memory().counters().dispatches;
      sumSquares({ x, n, out });
      expect(memory().counters().dispatches - before, `n ${n}`).toBe(dispatches);
      expect((await toHost(out))[0]).toBe(1 + n * 0.25); // exact: powers of two
    }
  });

  test('past MAX_PARTIALS chunks of ONE_PASS: every element is read once', async () => {
    // chunks longer than ONE_PASS; n, each chunk (16,396) and the last (16,452) even, so every partial sum of ones
    // is an even integer below 2^25: exact in f32
    const n = ONE_PASS * MAX_PARTIALS + 12344;
    const data = new Float32Array(n).fill(1);
    for (const i of [0, 1, n >> 1, n - 2, n - 1]) data[i] = Number.NaN;
    data[n >> 2] = Number.POSITIVE_INFINITY;
    const x = memory().upload(data);
    const count = memory().upload(Float32Array.of(0));
    countNonFinite({ x, n, out: count });
    expect((await toHost(count))[0]).toBe(6);
    const ones = memory().upload(new Float32Array(n).fill(1));
    const sum = memory().upload(Float32Array.of(0));
    sumSquares({ x: ones, n, out: sum });
    expect((await toHost(sum))[0]).toBe(n);
  });
});

test.runIf(!webgpuDevice())('webgpu reductions', () => {
  console.log(skipped);
});

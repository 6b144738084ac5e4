// nf4Matmul's double-quantized form on webgpu: the block scales restored where W is read equal dequantizeAbsmax then
// the plain form bit for bit, in as many dispatches as the plain form (no restore pass), at odd view offsets and
// in every load path (tiled word and byte loads, matrix-vector dot and axpy).
import { backendMemory, type DeviceMemory, getKernelImpl, type KernelName } from '@lora/core';
import { makeRng, useSoftwareVulkan } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerWebgpuBackend, WEBGPU_BACKEND, webgpuDevice } from '../backend.js';

useSoftwareVulkan();
await registerWebgpuBackend();
const available = webgpuDevice() !== undefined;

function gpuKernel<K extends KernelName>(name: K) {
  const impl = getKernelImpl(name, WEBGPU_BACKEND);
  if (!impl) throw new Error(`webgpu ${name}: expected a registered kernel, got none`);
  return impl;
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe.skipIf(!available)('webgpu nf4Matmul with a double-quantized absmax', () => {
  let memory: DeviceMemory;
  beforeAll(() => {
    memory = backendMemory(WEBGPU_BACKEND);
  });
  afterAll(() => memory?.sync());

  /** `host` uploaded after `pad` leading elements: a view at offset `pad`. */
  function at<T extends Float32Array | Uint8Array>(host: T, pad: number) {
    const whole = new (host.constructor as { new (n: number): T })(pad + host.length + 3);
    whole.set(host, pad);
    return (memory.upload(whole as never) as unknown as { subarray(b: number, e: number): never }).subarray(
      pad,
      pad + host.length,
    );
  }

  test.each([
    [20, 36, 48, 24, 5, 'forward'], // tiled, word loads
    [20, 36, 45, 5, 7, 'forward'], // tiled, byte loads
    [20, 36, 48, 8, 256, 'inputGrad'],
    [1, 130, 264, 64, 3, 'forward'], // matrix-vector dot, word loads
    [1, 65, 33, 16, 4, 'inputGrad'], // matrix-vector axpy
    [3, 8, 2000, 64, 256, 'forward'], // split-K
  ] as const)(
    'M %i, N %i, K %i, blocksize %i, nestedBlocksize %i, %s: bit for bit, no extra dispatch',
    async (m, n, k, blocksize, nestedBlocksize, mode) => {
      const rng = makeRng(m * 1000 + n + k);
      const uniform = (count: number, lo = -1, hi = 1) =>
        Float32Array.from({ length: count }, () => rng.uniform(lo, hi));
      const blocks = Math.ceil((n * k) / blocksize);
      const outSize = m * (mode === 'forward' ? n : k);
      const x = at(uniform(m * (mode === 'forward' ? k : n)), 1);
      const packed = at(
        Uint8Array.from({ length: Math.ceil((n * k) / 2) }, () => rng.int(256)),
        4,
      );
      const code = at(uniform(16), 2);
      const start = uniform(outSize);
      const nested = {
        qabsmax: at(
          Uint8Array.from({ length: blocks }, () => rng.int(256)),
          3,
        ), // a byte offset within a word
        nestedAbsmax: at(uniform(Math.ceil(blocks / nestedBlocksize), 0.2, 0.9), 1),
        nestedCode: at(uniform(256), 5),
        nestedBlocksize,
        offset: 0.1, // not an f32: both paths add f32(0.1)
      };
      const common = { x, packed, code, blocksize, m, n, k, mode, accumulate: true };

      const absmax = memory.f32(blocks);
      gpuKernel('dequantizeAbsmax')({ ...nested, out: absmax, n: blocks });
      const plainOut = at(start, 0);
      let before = memory.counters().dispatches;
      gpuKernel('nf4Matmul')({ ...common, absmax, out: plainOut });
      const plainDispatches = memory.counters().dispatches - before;

      const nestedOut = at(start, 0);
      before = memory.counters().dispatches;
      gpuKernel('nf4Matmul')({ ...common, nested, out: nestedOut });
      expect(memory.counters().dispatches - before).toBe(plainDispatches);

      const want = (await memory.read(plainOut)) as Float32Array;
      const got = (await memory.read(nestedOut)) as Float32Array;
      expect(bits(got)).toEqual(bits(want));
    },
  );
});

// What the conformance cases leave out of the GEMM family: views at odd and 4-aligned offsets (scalar and vec4
// variants, nf4 word and byte loads), matrix-vector products with K % 4 = 0, split-K with alpha and accumulate,
// K = 0, bitwise-repeatable results, and more batches than 65535 workgroups.
import {
  backendMemory,
  type DeviceMemory,
  getKernelImpl,
  type KernelName,
  referenceKernels,
} from '@lora/core';
import { expectClose, makeRng, useSoftwareVulkan } from '@lora/testing';
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

function uniform(seed: number, n: number): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** float32 sums of K products of size ≤ 1: far above rounding, far below a wrong element (conformance's bound). */
const tolerance = (k: number, alpha = 1) => ({
  rtol: 8 * 2 ** -23,
  atol: (2 * 2 ** -23 * Math.max(k, 1) * Math.abs(alpha)) / 3,
});

interface Gemm {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  batch?: number;
  alpha?: number;
  accumulate?: boolean;
}

describe.skipIf(!available)('webgpu gemm family', () => {
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

  /** Runs matmul (or batchedMatmul) on views at `pads` (a, b, out) and compares with the reference. */
  async function checkGemm(g: Gemm, pads: [number, number, number], seed: number): Promise<Float32Array> {
    const batch = g.batch ?? 1;
    const host = {
      ...g,
      a: uniform(seed, batch * g.m * g.k),
      b: uniform(seed + 1, batch * g.k * g.n),
      out: g.accumulate
        ? uniform(seed + 2, batch * g.m * g.n)
        : new Float32Array(batch * g.m * g.n).fill(Number.NaN),
    };
    const dev = { ...host, a: at(host.a, pads[0]), b: at(host.b, pads[1]), out: at(host.out, pads[2]) };
    if (g.batch === undefined) {
      gpuKernel('matmul')(dev);
      referenceKernels.matmul(host);
    } else {
      gpuKernel('batchedMatmul')({ ...dev, batch });
      referenceKernels.batchedMatmul({ ...host, batch });
    }
    const got = await memory.read(dev.out);
    const label = `${g.transA ? 'T' : 'N'}${g.transB ? 'T' : 'N'} ${batch}×${g.m}×${g.n}×${g.k} at ${pads}`;
    expectClose(got, host.out, tolerance(g.k, g.alpha), label);
    return got;
  }

  const LAYOUTS = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const;

  test('matmul on views at odd and 4-aligned offsets (scalar, vec4 and mixed loads), every layout', async () => {
    for (const [transA, transB] of LAYOUTS) {
      for (const pads of [
        [1, 3, 5],
        [4, 8, 12],
        [4, 1, 8],
        [3, 4, 1],
      ] as [number, number, number][]) {
        await checkGemm({ m: 36, n: 20, k: 24, transA, transB }, pads, 1);
        await checkGemm({ m: 68, n: 72, k: 40, transA, transB, alpha: -0.5, accumulate: true }, pads, 2);
      }
    }
  });

  test('M = 1 and N = 1 as matrix-vector products: K % 4 = 0 (vec4) or not, batched, alpha and accumulate', async () => {
    for (const [transA, transB] of LAYOUTS) {
      for (const pads of [
        [0, 0, 0],
        [4, 4, 1],
        [1, 2, 3],
      ] as [number, number, number][]) {
        await checkGemm({ m: 1, n: 37, k: 64, transA, transB }, pads, 3);
        await checkGemm({ m: 45, n: 1, k: 300, transA, transB, alpha: 2, accumulate: true }, pads, 4);
        await checkGemm({ m: 1, n: 9, k: 13, transA, transB, batch: 3 }, pads, 5);
        await checkGemm(
          { m: 6, n: 1, k: 8, transA, transB, batch: 2, alpha: 0.5, accumulate: true },
          pads,
          6,
        );
      }
    }
  });

  test('split-K (few tiles, deep K) with alpha and accumulate, batched, and bitwise the same twice', async () => {
    for (const [transA, transB] of LAYOUTS) {
      await checkGemm({ m: 16, n: 40, k: 900, transA, transB, alpha: -0.5, accumulate: true }, [0, 0, 0], 7);
      await checkGemm({ m: 8, n: 12, k: 1000, transA, transB, batch: 3, alpha: 2 }, [1, 0, 4], 8);
    }
    const first = await checkGemm({ m: 512, n: 16, k: 896, transA: false, transB: false }, [0, 0, 0], 9);
    const second = await checkGemm({ m: 512, n: 16, k: 896, transA: false, transB: false }, [0, 0, 0], 9);
    expect(second).toEqual(first);
  });

  test('K = 0: out = 0, or unchanged when accumulating; M = 0 writes nothing', async () => {
    for (const [transA, transB] of LAYOUTS) {
      await checkGemm({ m: 5, n: 6, k: 0, transA, transB }, [0, 0, 0], 10);
      await checkGemm({ m: 1, n: 6, k: 0, transA, transB, accumulate: true }, [0, 0, 0], 11);
      await checkGemm({ m: 0, n: 6, k: 3, transA, transB, batch: 2 }, [0, 0, 0], 12);
    }
  });

  test('nf4Matmul: packed at odd and 4-aligned byte offsets (byte and word loads), blocksizes 24 and 5', async () => {
    for (const mode of ['forward', 'inputGrad'] as const) {
      for (const [m, n, k, blocksize] of [
        [20, 36, 48, 24],
        [1, 36, 48, 24],
        [20, 36, 48, 5],
        [1, 40, 8, 8],
      ] as const) {
        for (const pads of [
          [0, 0, 0, 0],
          [4, 4, 1, 8],
          [1, 3, 2, 1],
        ]) {
          const rng = makeRng(m * 1000 + n + k);
          const outSize = m * (mode === 'forward' ? n : k);
          const host = {
            x: uniform(13, m * (mode === 'forward' ? k : n)),
            packed: Uint8Array.from({ length: Math.ceil((n * k) / 2) }, () => rng.int(256)),
            absmax: Float32Array.from({ length: Math.ceil((n * k) / blocksize) }, () => rng.uniform(0.05, 2)),
            code: uniform(14, 16),
            blocksize,
            out: uniform(15, outSize),
            m,
            n,
            k,
            mode,
            accumulate: pads[0] === 4,
          };
          const dev = {
            ...host,
            x: at(host.x, pads[0]!),
            packed: at(host.packed, pads[1]!),
            absmax: at(host.absmax, pads[2]!),
            code: at(host.code, pads[1]!),
            out: at(host.out, pads[3]!),
          };
          gpuKernel('nf4Matmul')(dev);
          referenceKernels.nf4Matmul(host);
          const tol = { rtol: 8 * 2 ** -23, atol: 2 * 2 ** -23 * (mode === 'forward' ? k : n) };
          expectClose(
            await memory.read(dev.out),
            host.out,
            tol,
            `nf4 ${mode} ${m}×${n}×${k}/${blocksize} at ${pads}`,
          );
        }
      }
    }
  });

  // 65536 workgroups with barriers take SwiftShader minutes: on a real adapter only (LORA_SLOW_GPU_TESTS=1 forces it)
  test.skipIf(webgpuDevice()?.isFallback && !process.env.LORA_SLOW_GPU_TESTS)(
    'batchedMatmul over more batches than 65535 workgroups cover (several dispatches): tiled and matrix-vector',
    async () => {
      const batch = 65535 + 7;
      await checkGemm({ m: 2, n: 3, k: 4, transA: false, transB: true, batch }, [0, 0, 0], 16);
      await checkGemm({ m: 1, n: 3, k: 4, transA: false, transB: true, batch }, [0, 0, 0], 17);
    },
    300_000,
  );
});

import {
  BackendError,
  backendReport,
  disposeBackends,
  KERNEL_NAMES,
  kernel,
  referenceKernels,
  registeredBackends,
  setBackend,
} from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { GPUJS_KERNEL_NAMES, registerGpujsBackends } from './backend.js';
import { GpujsBackendError } from './errors.js';
import { modePriority } from './modes.js';

/** The kernels gpu.js does not implement yet (the reference serves them on this backend). */
const STEP_KERNELS = [
  'fill',
  'stridedCopy',
  'add',
  'mul',
  'axpy',
  'scale',
  'addBias',
  'columnSums',
  'dropout',
  'uniformNoise',
  'causalSoftmax',
  'argmaxChunk',
  'crossEntropyStats',
  'sumSquares',
  'gradClip',
  'countNonFinite',
  'dequantizeAbsmax',
];

const available = await registerGpujsBackends();
afterAll(() => disposeBackends());

describe('registerGpujsBackends', () => {
  test('registers every mode and returns the available ones (at least webasm and cpu in Node)', () => {
    const names = registeredBackends();
    for (const mode of ['webgpu', 'webgl2', 'headlessgl', 'webasm', 'cpu'])
      expect(names).toContain(`gpujs-${mode}`);
    expect(available).toEqual(expect.arrayContaining(['gpujs-webasm', 'gpujs-cpu']));
    expect(names.indexOf('gpujs-webasm')).toBeLessThan(names.indexOf('gpujs-cpu'));
  });

  test.each(['gpujs-webasm', 'gpujs-cpu'])(
    '%s serves matmul through the registry and reports its fallbacks',
    async (name) => {
      await setBackend(name);
      const rng = makeRng(3);
      const a = new Float32Array(15);
      const b = new Float32Array(20);
      rng.fill(a);
      rng.fill(b);
      const out = new Float32Array(12);
      kernel('matmul')({ a, b, out, m: 3, n: 4, k: 5, transB: true });
      const want = new Float32Array(12);
      referenceKernels.matmul({ a, b, out: want, m: 3, n: 4, k: 5, transB: true });
      expectClose(out, want, { rtol: 1e-5, atol: 1e-6 }, `${name} matmul via registry`);
      const fallback = KERNEL_NAMES.filter((k) => !(GPUJS_KERNEL_NAMES as readonly string[]).includes(k));
      // the per-step kernels of the device-resident step are not in gpu.js yet: the reference serves them, and says so
      expect(fallback).toEqual([
        'embedding',
        'embeddingBackward',
        'sgd',
        'adamw8bit',
        'nf4Matmul',
        ...STEP_KERNELS,
      ]);
      expect(backendReport(KERNEL_NAMES)).toMatch(
        new RegExp(
          `^backend: ${name} \\(gpu\\.js .*\\); reference serves embedding, embeddingBackward, sgd, adamw8bit, nf4Matmul, ${STEP_KERNELS.join(', ')}$`,
        ),
      );
    },
  );

  test('webgpu and webgl2 are registered but unavailable in Node, and selecting them says so', async () => {
    expect(available).not.toContain('gpujs-webgpu');
    expect(available).not.toContain('gpujs-webgl2');
    await expect(setBackend('gpujs-webgl2')).rejects.toThrow(/"gpujs-webgl2" is not available/);
    await expect(setBackend('gpujs-webgpu')).rejects.toThrow(BackendError);
    await expect(setBackend('gpujs-webgpu')).rejects.toThrow(/"gpujs-webgpu" is not available/);
  });

  test('an unknown mode name throws GpujsBackendError before registering anything', async () => {
    await expect(registerGpujsBackends({ modes: ['cpu', 'cuda'] })).rejects.toThrow(GpujsBackendError);
    await expect(registerGpujsBackends({ modes: ['cuda'] })).rejects.toThrow(
      /modes expected some of webgpu, webgl2, headlessgl, webasm, cpu, got "cuda"/,
    );
  });

  test('a subset of modes registers only those', async () => {
    expect(await registerGpujsBackends({ modes: ['cpu'] })).toEqual(['gpujs-cpu']);
  });
});

describe('modePriority', () => {
  test.each([
    { mode: 'webgpu', hardware: true, above: true },
    { mode: 'webgl2', hardware: true, above: true },
    { mode: 'headlessgl', hardware: true, above: true },
    { mode: 'webgl2', hardware: false, above: false }, // SwiftShader, llvmpipe
    { mode: 'headlessgl', hardware: false, above: false },
    { mode: 'webasm', hardware: false, above: false },
    { mode: 'cpu', hardware: false, above: false },
  ] as const)('$mode on hardware=$hardware ranks above wasm (100): $above', ({ mode, hardware, above }) => {
    expect(modePriority(mode, hardware) > 100).toBe(above);
  });

  test('gpu.js on WebGPU ranks below the WGSL backend `webgpu` (200) on a real GPU', () => {
    expect(modePriority('webgpu', true)).toBeLessThan(200);
  });
});

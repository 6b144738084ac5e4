import {
  backendReport,
  disposeBackends,
  getKernelImpl,
  HOST_KERNEL_NAMES,
  KERNEL_NAMES,
  kernel,
  kernelsOf,
  referenceKernels,
  setBackend,
} from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerWasmBackend, WASM_BACKEND, wasmAllocF32 } from './backend.js';
import { ELEMENTWISE_KERNELS } from './elementwise-register.js';

describe('registerElementwiseKernels (through registerWasmBackend)', () => {
  beforeAll(async () => {
    await registerWasmBackend({ threads: 2 });
    await setBackend(WASM_BACKEND);
  });
  afterAll(() => disposeBackends());

  test('the wasm backend serves every kernel of the registry: the reference serves none', () => {
    expect(kernelsOf(WASM_BACKEND).sort()).toEqual([...KERNEL_NAMES, ...HOST_KERNEL_NAMES].sort());
    expect(backendReport(KERNEL_NAMES)).not.toContain('reference serves');
    for (const name of Object.keys(ELEMENTWISE_KERNELS) as (keyof typeof ELEMENTWISE_KERNELS)[]) {
      expect(kernel(name), name).toBe(getKernelImpl(name, WASM_BACKEND));
    }
  });

  test('a training-sized softmax and silu through the registry, on resident and plain arrays', () => {
    const rng = makeRng(4);
    const [rows, cols] = [512, 256];
    const x = wasmAllocF32(rows * cols);
    for (let i = 0; i < x.length; i++) x[i] = 3 * rng.normal();
    const out = wasmAllocF32(rows * cols);
    kernel('softmax')({ x, out, rows, cols });
    const want = new Float32Array(rows * cols);
    referenceKernels.softmax({ x, out: want, rows, cols });
    expectClose(out, want, { rtol: 2e-5, atol: 1e-30 }, 'softmax');

    const plain = Float32Array.from(x);
    const y = new Float32Array(plain.length);
    kernel('silu')({ x: plain, out: y, n: plain.length });
    const ySilu = new Float32Array(plain.length);
    referenceKernels.silu({ x: plain, out: ySilu, n: plain.length });
    expectClose(y, ySilu, { rtol: 1e-5, atol: 1e-6 }, 'silu');
  });
});

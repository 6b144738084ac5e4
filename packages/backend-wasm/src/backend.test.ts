import {
  KernelArgumentError,
  backendReport,
  disposeBackends,
  getBackend,
  getKernelImpl,
  kernel,
  registeredBackends,
  setBackend,
} from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WASM_BACKEND, registerWasmBackend, wasmAllocF32, wasmFree } from './backend.js';
import { tripleLoop } from './test-support/triple-loop.js';

describe('registerWasmBackend', () => {
  beforeAll(async () => {
    await registerWasmBackend({ threads: 2 });
  });
  afterAll(() => disposeBackends());

  test('registers "wasm" above the reference, with its own matmul and batchedMatmul', async () => {
    expect(registeredBackends()[0]).toBe(WASM_BACKEND);
    expect(await setBackend()).toBe(WASM_BACKEND);
    expect(getBackend()).toBe(WASM_BACKEND);
    expect(kernel('matmul')).toBe(getKernelImpl('matmul', WASM_BACKEND));
    expect(kernel('batchedMatmul')).toBe(getKernelImpl('batchedMatmul', WASM_BACKEND));
    expect(backendReport(['matmul', 'batchedMatmul', 'softmax'])).toMatch(
      /^backend: wasm \(WebAssembly SIMD, (relaxed FMA( \(V8 flag set at run time\))?|no relaxed SIMD), 2 threads\)$/,
    );
  });

  test('batchedMatmul through the registry: attention scores Q·Kᵀ for 2 heads', () => {
    const [batch, m, n, k] = [2, 9, 9, 16];
    const rng = makeRng(1);
    const a = new Float32Array(batch * m * k);
    const b = new Float32Array(batch * n * k);
    rng.fill(a);
    rng.fill(b);
    const out = new Float32Array(batch * m * n);
    kernel('batchedMatmul')({ a, b, out, batch, m, n, k, transB: true, alpha: 0.25 });
    const expected = tripleLoop({ a, b, out, batch, m, n, k, transB: true, alpha: 0.25 });
    expectClose(out, expected, { rtol: 1e-5, atol: 1e-5 }, 'scores');
  });

  test('wasmAllocF32 arrays work as operands and can be freed', () => {
    const a = wasmAllocF32(6);
    const b = wasmAllocF32(6);
    const out = wasmAllocF32(4);
    a.set([1, 2, 3, 4, 5, 6]);
    b.set([1, 0, 0, 1, 1, 1]);
    kernel('matmul')({ a, b, out, m: 2, n: 2, k: 3 });
    expect([...out]).toEqual([4, 5, 10, 11]);
    for (const x of [a, b, out]) wasmFree(x);
  });

  test('bad arguments throw the core KernelArgumentError before any work', () => {
    const args = {
      a: new Float32Array(3),
      b: new Float32Array(4),
      out: new Float32Array(4),
      m: 2,
      n: 2,
      k: 2,
    };
    expect(() => kernel('matmul')(args)).toThrow(KernelArgumentError);
  });
});

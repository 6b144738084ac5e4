import { expectClose, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WasmGemmEngine } from './engine.js';
import { WasmMemoryError } from './errors.js';
import { checkGemmArgs } from './gemm-args.js';
import { tripleLoop } from './test-support/triple-loop.js';

describe('operands that live in wasm memory (allocF32)', () => {
  let engine: WasmGemmEngine;
  beforeAll(async () => {
    engine = await WasmGemmEngine.create({ threads: 2, memoryMiB: 4 });
    await engine.startThreads();
  });
  afterAll(() => engine.dispose());

  test('resident operands are used in place: nothing is staged, out is written directly', () => {
    const [m, n, k] = [70, 90, 400]; // 5 Mflop: runs on both threads
    const a = engine.allocF32(m * k);
    const b = engine.allocF32(n * k);
    const out = engine.allocF32(m * n);
    const rng = makeRng(3);
    rng.fill(a);
    rng.fill(b);
    engine.gemm(checkGemmArgs('matmul', { a, b, out, m, n, k, transB: true }));
    expect(engine.lastCall).toMatchObject({ threads: 2, stagedBytes: 0 });
    expectClose(out, tripleLoop({ a, b, out, m, n, k, transB: true }), { rtol: 1e-5, atol: 1e-4 }, 'out');

    const copy = { a: Float32Array.from(a), b: Float32Array.from(b), out: new Float32Array(m * n) };
    engine.gemm(checkGemmArgs('matmul', { ...copy, m, n, k, transB: true }));
    expect(engine.lastCall.stagedBytes).toBeGreaterThanOrEqual(4 * (m * k + n * k + m * n));
    expect(copy.out).toEqual(out);
  });

  test('allocF32 returns zeros; free returns the block and rejects arrays from elsewhere', () => {
    const x = engine.allocF32(1000);
    expect(x.every((v) => v === 0)).toBe(true);
    x.fill(7);
    engine.free(x);
    const y = engine.allocF32(1000);
    expect(y.every((v) => v === 0)).toBe(true);
    engine.free(y);
    expect(() => engine.free(new Float32Array(4))).toThrow(WasmMemoryError);
  });

  test('growing the memory keeps earlier arrays valid, on the caller and on the workers', () => {
    const [m, n, k] = [64, 64, 600];
    const a = engine.allocF32(m * k);
    const b = engine.allocF32(k * n);
    makeRng(9).fill(a);
    makeRng(10).fill(b);
    const before = engine.heap.memory.buffer.byteLength;
    const big = engine.allocF32(8 * 1024 * 1024); // 32 MiB more than the 4 MiB it started with
    expect(engine.heap.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(a.length).toBe(m * k);
    const out = engine.allocF32(m * n); // past the old end: workers must see the new pages
    engine.gemm(checkGemmArgs('matmul', { a, b, out, m, n, k }));
    expect(engine.lastCall).toMatchObject({ threads: 2, stagedBytes: 0 });
    expectClose(out, tripleLoop({ a, b, out, m, n, k }), { rtol: 1e-5, atol: 1e-4 }, 'out');
    for (const x of [a, b, out, big]) engine.free(x);
  });
});

describe('unshared memory, as on a page that is not crossOriginIsolated', () => {
  test('runs on one thread from the unshared build, and guards resident arrays against growth', async () => {
    const engine = await WasmGemmEngine.create({ threads: 2, sharedMemory: false, memoryMiB: 1 });
    await engine.startThreads();
    expect(engine.describe()).toMatch(/, 1 thread$/);
    expect(engine.heap.memory.buffer).toBeInstanceOf(ArrayBuffer);
    const [m, n, k] = [19, 23, 29];
    const rng = makeRng(4);
    const a = new Float32Array(m * k);
    const b = new Float32Array(k * n);
    rng.fill(a);
    rng.fill(b);
    const out = new Float32Array(m * n);
    engine.gemm(checkGemmArgs('matmul', { a, b, out, m, n, k, transA: false, transB: true }));
    expectClose(out, tripleLoop({ a, b, out, m, n, k, transB: true }), { rtol: 1e-5, atol: 1e-5 }, 'out');

    const resident = engine.allocF32(16);
    expect(() => engine.allocF32(4 * 1024 * 1024)).toThrow(WasmMemoryError);
    expect(resident.length).toBe(16); // still attached
    engine.free(resident);
    expect(engine.allocF32(4 * 1024 * 1024).length).toBe(4 * 1024 * 1024);
    await engine.dispose();
  });
});

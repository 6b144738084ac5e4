import {
  allocLike,
  deviceMemory,
  disposeBackends,
  hostMemory,
  kernel,
  memoryOf,
  setBackend,
  toHost,
} from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerWasmBackend, WASM_BACKEND, wasmMemory } from './backend.js';
import { WasmGemmEngine } from './engine.js';
import { WasmHeap, WASM_PAGE } from './heap.js';
import { tripleLoop } from './test-support/triple-loop.js';
import { WasmMemory } from './wasm-memory.js';

describe('WasmMemory: f32 arrays in the wasm memory, used in place', () => {
  let engine: WasmGemmEngine;
  let memory: WasmMemory;
  beforeAll(async () => {
    engine = await WasmGemmEngine.create({ threads: 1, memoryMiB: 4 });
    memory = new WasmMemory(engine.heap);
  });
  afterAll(() => engine.dispose());

  test('a product of its arrays copies nothing in or out, and equals the triple loop', () => {
    const [m, n, k] = [37, 29, 300];
    const rng = makeRng(5);
    const a = memory.upload(Float32Array.from({ length: m * k }, () => rng.normal())) as Float32Array;
    const b = memory.upload(Float32Array.from({ length: n * k }, () => rng.normal())) as Float32Array;
    const out = memory.f32(m * n) as Float32Array;
    engine.matmul({ a, b, out, m, n, k, transB: true });
    expect(engine.lastCall.stagedBytes).toBe(0);
    expectClose(out, tripleLoop({ a, b, out, m, n, k, transB: true }), { rtol: 1e-5, atol: 1e-4 }, 'out');
    // the same values on the JS heap are staged: what the memory saves
    const heap = { a: Float32Array.from(a), b: Float32Array.from(b), out: new Float32Array(m * n) };
    engine.matmul({ ...heap, m, n, k, transB: true });
    expect(engine.lastCall.stagedBytes).toBeGreaterThanOrEqual(4 * (m * k + n * k + m * n));
  });

  test('f32 is zeroed even where a freed block held values; free returns the block once', () => {
    const before = memory.stats();
    const a = memory.f32(1000) as Float32Array;
    a.fill(7);
    expect(memory.stats().residentBytes).toBe(before.residentBytes + 4000);
    memory.free(a);
    memory.free(a); // twice: nothing more
    memory.free(a.subarray(10)); // a view frees nothing
    expect(memory.stats()).toEqual(before);
    const b = memory.f32(1000) as Float32Array;
    expect(b.every((v) => v === 0)).toBe(true);
    memory.free(b);
  });

  test('int32 and byte arrays stay on the JS heap; upload of them returns the data itself', () => {
    const ids = Int32Array.of(1, 2, 3);
    const codes = Uint8Array.of(9, 8);
    expect(memory.upload(ids)).toBe(ids);
    expect(memory.upload(codes)).toBe(codes);
    expect(memory.owns(ids)).toBe(false);
    expect(memory.owns(memory.i32(4) as Int32Array)).toBe(false);
  });

  test('past its budget an array spills to the JS heap, and is counted', () => {
    // a memory that cannot grow past 4 pages: its budget is 3 pages
    const small = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true });
    const tight = new WasmMemory(new WasmHeap(small, true));
    expect(tight.budgetBytes).toBe(3 * WASM_PAGE);
    const inside = tight.f32(WASM_PAGE / 4) as Float32Array; // one page
    expect(tight.owns(inside)).toBe(true);
    const spilled = tight.f32(3 * (WASM_PAGE / 4)) as Float32Array; // three more pages: over budget
    expect(spilled.buffer).not.toBe(small.buffer);
    expect(tight.owns(spilled)).toBe(false);
    expect(tight.stats()).toEqual({
      residentArrays: 1,
      residentBytes: WASM_PAGE,
      spilledArrays: 1,
      spilledBytes: 3 * WASM_PAGE,
    });
    tight.free(spilled); // the garbage collector has it: nothing to return
    expect(tight.stats().residentBytes).toBe(WASM_PAGE);
  });
});

describe('the wasm backend keeps its arrays in wasm memory', () => {
  beforeAll(async () => {
    await registerWasmBackend({ threads: 2 });
    await setBackend(WASM_BACKEND);
  });
  afterAll(() => disposeBackends());

  test('deviceMemory() is the wasm memory, memoryOf finds it, and allocLike allocates beside its arrays', async () => {
    const memory = deviceMemory();
    expect(memory).toBe(wasmMemory());
    expect(memory).not.toBe(hostMemory);
    const x = memory.upload(Float32Array.of(1, -2, 3));
    expect(memoryOf(x)).toBe(memory);
    expect(memoryOf(allocLike(x, 8))).toBe(memory);
    expect(memoryOf(new Float32Array(3))).toBe(hostMemory);
    const y = allocLike(x, 3);
    kernel('silu')({ x, out: y, n: 3 });
    const expected = [1, -2, 3].map((v) => v / (1 + Math.exp(-v)));
    expectClose(await toHost(y), Float32Array.from(expected), { rtol: 1e-6, atol: 1e-7 }, 'silu');
  });
});

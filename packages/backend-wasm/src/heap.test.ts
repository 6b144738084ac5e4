import { describe, expect, test } from 'vitest';
import { WasmMemoryError } from './errors.js';
import { WASM_PAGE, WasmHeap, createMemory } from './heap.js';

describe('WasmHeap', () => {
  test('allocations are 64-byte aligned, disjoint, and freed blocks coalesce for reuse', () => {
    const heap = new WasmHeap(createMemory(true, WASM_PAGE), true);
    const a = heap.alloc(100);
    const b = heap.alloc(1);
    const c = heap.alloc(64);
    expect([a % 64, b % 64, c % 64]).toEqual([0, 0, 0]);
    expect(b).toBeGreaterThanOrEqual(a + 128);
    expect(c).toBeGreaterThanOrEqual(b + 64);
    heap.release(a);
    heap.release(b); // a and b merge into one 192-byte block
    expect(heap.alloc(192)).toBe(a);
    expect(() => heap.release(a + 4)).toThrow(WasmMemoryError);
  });

  test('grows when nothing fits, extending the free tail', () => {
    const memory = createMemory(true, WASM_PAGE);
    const heap = new WasmHeap(memory, true);
    const pages = memory.buffer.byteLength / WASM_PAGE;
    const ptr = heap.alloc(3 * WASM_PAGE);
    expect(memory.buffer.byteLength / WASM_PAGE).toBeGreaterThanOrEqual(pages + 1);
    expect(ptr + 3 * WASM_PAGE).toBeLessThanOrEqual(memory.buffer.byteLength);
  });

  test('addressOf knows views of its memory, even views made before a growth', () => {
    const heap = new WasmHeap(createMemory(true, WASM_PAGE), true);
    const ptr = heap.alloc(64, true);
    const view = heap.f32(ptr, 16);
    heap.alloc(4 * WASM_PAGE);
    expect(heap.addressOf(view)).toBe(ptr);
    expect(heap.addressOf(new Float32Array(16))).toBeUndefined();
  });

  test('unshared memory refuses to grow while resident arrays live, instead of detaching them', () => {
    const heap = new WasmHeap(createMemory(false, WASM_PAGE), false);
    const view = heap.f32(heap.alloc(64, true), 16);
    expect(() => heap.alloc(8 * WASM_PAGE)).toThrow(/1 arrays from wasmAllocF32 live in unshared memory/);
    expect(view.length).toBe(16);
    heap.release(view.byteOffset);
    expect(() => heap.alloc(8 * WASM_PAGE)).not.toThrow();
  });
});

import { describe, expect, test } from 'vitest';
import { readableOnHost } from './memory.js';
import { OpaqueMemory } from './opaque-memory.js';

describe('readableOnHost', () => {
  test('a float32 array on the JS heap is returned itself: a save copies nothing', async () => {
    const a = Float32Array.of(1, 2, 3);
    expect(await readableOnHost(a)).toBe(a);
    const view = a.subarray(1);
    expect(await readableOnHost(view)).toBe(view);
  });

  test('a Float64Array (the float64 reference runs) is converted to a float32 copy', async () => {
    const got = await readableOnHost(Float64Array.of(0.5, 1 / 3));
    expect(got).toBeInstanceOf(Float32Array);
    expect([...got]).toEqual([0.5, Math.fround(1 / 3)]);
  });

  test('an array of a memory host code cannot index is read back, once', async () => {
    const memory = new OpaqueMemory();
    const array = memory.upload(Float32Array.of(4, 5));
    expect([...(await readableOnHost(array))]).toEqual([4, 5]);
    expect(memory.reads).toEqual([2]);
  });
});

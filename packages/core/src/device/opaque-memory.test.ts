import { describe, expect, test } from 'vitest';
import { isHostArray } from './arrays.js';
import { memoryOf, toHost } from './memory.js';
import { OpaqueArrayError, OpaqueMemory } from './opaque-memory.js';

describe('OpaqueMemory', () => {
  test('hands out handles that are not typed arrays, tagged like GPU buffer views', () => {
    const memory = new OpaqueMemory();
    const cases = [
      [memory.f32(3), 'DeviceF32'],
      [memory.i32(2), 'DeviceI32'],
      [memory.u8(5), 'DeviceU8'],
      [memory.upload(Float32Array.from([1, 2])), 'DeviceF32'],
    ] as const;
    for (const [array, tag] of cases) {
      expect(ArrayBuffer.isView(array)).toBe(false);
      expect(isHostArray(array)).toBe(false);
      expect(array[Symbol.toStringTag]).toBe(tag);
      expect((array as unknown as Record<number, unknown>)[0]).toBeUndefined();
      expect(memoryOf(array)).toBe(memory);
    }
    expect(memory.live).toBe(4);
  });

  test('uploads a copy and reads one back, counting each crossing and the length of every read', async () => {
    const memory = new OpaqueMemory();
    const data = Float32Array.from([1, 2, 3, 4]);
    const array = memory.upload(data);
    data[0] = 9;
    expect(Array.from(await memory.read(array))).toEqual([1, 2, 3, 4]);
    memory.write(array.subarray(1), Float32Array.from([7, 8]));
    expect(Array.from(await toHost(array.subarray(1, 3)))).toEqual([7, 8]);
    expect(memory.reads).toEqual([4, 2]);
    expect(memory.counters()).toEqual({
      uploads: 2,
      uploadBytes: 16 + 8,
      readbacks: 2,
      readbackBytes: 16 + 8,
      dispatches: 0,
    });
  });

  test('subarray views share their allocation: a write through one is seen by the others', async () => {
    const memory = new OpaqueMemory();
    const whole = memory.i32(6);
    const tail = whole.subarray(2);
    expect(tail.length).toBe(4);
    memory.write(tail.subarray(1, 3), Int32Array.from([5, 6]));
    expect(Array.from(await memory.read(whole))).toEqual([0, 0, 0, 5, 6, 0]);
    expect(memory.live).toBe(1);
  });

  test('freeing a view frees the whole allocation; any later use is refused, a second free is allowed', async () => {
    const memory = new OpaqueMemory('gpu-like');
    const whole = memory.f32(4);
    const head = whole.subarray(0, 2);
    memory.free(whole.subarray(2));
    expect(memory.live).toBe(0);
    expect(() => memory.read(head)).toThrow(OpaqueArrayError);
    expect(() => memory.read(head)).toThrow(
      'gpu-like read src: expected a live array, got a DeviceF32 of memory "gpu-like" whose allocation 0 was freed',
    );
    expect(() => memory.write(whole, new Float32Array(1))).toThrow(/write dst: expected a live array/);
    memory.free(head);
    expect(memory.live).toBe(0);
  });

  test.each([
    ['a host typed array', () => new Float32Array(2), 'got a host Float32Array'],
    ['another memory’s array', () => new OpaqueMemory('other').f32(2), 'got a DeviceF32 of memory "other"'],
  ])('refuses %s', (_label, make, got) => {
    const memory = new OpaqueMemory();
    const foreign = make() as Float32Array;
    expect(() => memory.read(foreign)).toThrow(`opaque read src: expected an array of this memory, ${got}`);
    expect(() => memory.free(foreign)).toThrow(`opaque free array: expected an array of this memory, ${got}`);
  });

  test('refuses what a GPU memory could not take: a Float64Array upload, a mistyped or overlong write, a bad length', () => {
    const memory = new OpaqueMemory();
    expect(() => memory.upload(new Float64Array(2) as unknown as Float32Array)).toThrow(
      'opaque upload: expected a Float32Array, Int32Array or Uint8Array, got a host Float64Array',
    );
    const dst = memory.f32(2);
    expect(() => memory.write(dst, new Int32Array(2) as unknown as Float32Array)).toThrow(
      'opaque write: expected at most 2 values as a Float32Array, got 2 in a host Int32Array',
    );
    expect(() => memory.write(dst, new Float32Array(3))).toThrow(
      'opaque write: expected at most 2 values as a Float32Array, got 3 in a host Float32Array',
    );
    expect(() => memory.f32(-1)).toThrow('opaque alloc: length expected a non-negative integer, got -1');
    expect(memory.counters().uploads).toBe(0);
  });
});

// The device memory of the gpu.js GPU modes, checked in Node on the emulated backend (the same records, views,
// splices and launch queue, run by gpu.js's cpu mode): what a GPU page does, without the GPU.
import {
  backendMemory,
  DeviceMemoryError,
  type F32,
  getKernelImpl,
  KERNEL_NAMES,
  kernelsOf,
  setBackend,
} from '@lora/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GPUJS_EMULATED_BACKEND, registerGpujsEmulatedBackend } from './device-backend.js';
import type { GpujsMemory } from './memory.js';
import { MAX_EXACT_INTEGER } from './memory.js';

let memory: GpujsMemory;
beforeAll(async () => {
  registerGpujsEmulatedBackend();
  await setBackend(GPUJS_EMULATED_BACKEND);
  memory = backendMemory(GPUJS_EMULATED_BACKEND) as GpujsMemory;
});
afterAll(() => setBackend('reference'));

const fill = (x: F32, n: number, value: number) =>
  getKernelImpl('fill', GPUJS_EMULATED_BACKEND)!({ x, n, value });

describe('gpu.js device memory (emulated in Node)', () => {
  test('implements every kernel: a device backend has no reference to fall back to', () => {
    expect(KERNEL_NAMES.filter((k) => !kernelsOf(GPUJS_EMULATED_BACKEND).includes(k))).toEqual([]);
    expect(memory.host).toBe(false);
  });

  test('f32, i32 and u8 arrays round-trip exactly, NaN and ±Infinity included', async () => {
    const f = Float32Array.of(1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 3e38);
    const i = Int32Array.of(0, -100, 2 ** 24, -(2 ** 24), 151_935);
    const u = Uint8Array.of(0, 15, 16, 255, 128);
    expect(await memory.read(memory.upload(f))).toEqual(f);
    expect(await memory.read(memory.upload(i))).toEqual(i);
    expect(await memory.read(memory.upload(u))).toEqual(u);
  });

  test('a new array reads as zeros; views read and write their own range only', async () => {
    const x = memory.f32(10);
    expect(await memory.read(x)).toEqual(new Float32Array(10));
    memory.write(x.subarray(3, 6), Float32Array.of(1, 2, 3));
    fill(x.subarray(7), 2, -1); // elements 7 and 8
    expect(Array.from(await memory.read(x))).toEqual([0, 0, 0, 1, 2, 3, 0, -1, -1, 0]);
    expect(Array.from(await memory.read(x.subarray(2, 5)))).toEqual([0, 1, 2]);
    expect(Array.from(await memory.read(x.subarray(4).subarray(1, 3)))).toEqual([3, 0]);
  });

  test('counts uploads, readbacks and kernel launches', async () => {
    const before = memory.counters();
    const x = memory.upload(new Float32Array(8));
    fill(x, 8, 2); // one launch over the whole array
    fill(x.subarray(2), 3, 1); // a part: the values, then a splice
    await memory.read(x.subarray(1, 2)); // a slice launch, then the read
    const after = memory.counters();
    expect(after.uploads - before.uploads).toBe(1);
    expect(after.uploadBytes - before.uploadBytes).toBe(32);
    expect(after.readbacks - before.readbacks).toBe(1);
    expect(after.readbackBytes - before.readbackBytes).toBe(4);
    expect(after.dispatches - before.dispatches).toBe(4);
  });

  test('kernels refuse host arrays, other memories’ arrays and freed ones, naming the argument', async () => {
    const x = memory.f32(4);
    expect(() => fill(new Float32Array(4), 4, 1)).toThrow(
      /gpujs-emulated kernel fill: x expected an array in gpujs-emulated memory .*got a Float32Array in JS memory/,
    );
    memory.free(x.subarray(1)); // freeing a view frees the array
    memory.free(x); // and again is nothing
    expect(() => fill(x, 4, 1)).toThrow(/gpujs-emulated kernel fill: x was freed/);
    await expect(() => memory.read(x)).toThrow(DeviceMemoryError);
  });

  test('refuses int32 values that float32 cannot hold exactly, and arrays past 2^24 elements', () => {
    expect(() => memory.upload(Int32Array.of(1, 2 ** 24 + 1))).toThrow(
      /upload: an int32 value expected within ±2\^24 \(exact in float32\), got 16777217 at index 1/,
    );
    expect(() => memory.f32(MAX_EXACT_INTEGER + 1)).toThrow(/above this memory's largest of 16777216/);
    expect(memory.maxArrayBytes).toBe(4 * MAX_EXACT_INTEGER);
  });

  test('launches run in issue order, and a read waits for every launch issued before it', async () => {
    const x = memory.f32(3);
    const reads: Promise<Float32Array>[] = [];
    for (let v = 1; v <= 3; v++) {
      fill(x, 3, v);
      reads.push(memory.read(x));
    }
    expect((await Promise.all(reads)).map((r) => r[0])).toEqual([1, 2, 3]);
    await memory.sync();
  });
});

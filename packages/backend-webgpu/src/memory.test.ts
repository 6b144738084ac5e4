import {
  backendMemory,
  disposeBackends,
  type F32,
  getKernelImpl,
  type KernelName,
  type KernelSignatures,
} from '@lora/core';
import { useSoftwareVulkan } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { registerWebgpuBackend, WEBGPU_BACKEND, webgpuDevice } from './backend.js';
import { WebGpuError } from './gpu-device.js';
import type { WebGpuMemory } from './memory.js';

useSoftwareVulkan(); // before Dawn first enumerates adapters
await registerWebgpuBackend();
const gpu = webgpuDevice();
afterAll(disposeBackends);

const title = gpu
  ? `webgpu memory on ${gpu.name}`
  : 'webgpu memory (skipped: no WebGPU adapter; install chromium for SwiftShader, or run on a GPU)';
const memory = () => backendMemory(WEBGPU_BACKEND) as WebGpuMemory;
const run = <K extends KernelName>(name: K) => getKernelImpl(name, WEBGPU_BACKEND) as KernelSignatures[K];

describe.skipIf(!gpu)(title, () => {
  test.each([
    [
      'f32',
      Float32Array.from([1.5, -0, -3.25e-39, 3.4028234663852886e38, Number.NEGATIVE_INFINITY, Number.NaN, 7]),
    ],
    ['i32', Int32Array.from([0, -1, 2147483647, -2147483648, 12345, 6, 7])],
    ['u8', Uint8Array.from([0, 1, 127, 128, 254, 255, 9])],
  ] as const)('%s: upload then read gives the same bits back', async (_, data) => {
    const back = await memory().read(memory().upload(data as Float32Array) as F32);
    expect(back.constructor).toBe(data.constructor);
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(data.buffer));
  });

  test('a zero-length array uploads and reads back empty; new arrays are zeroed', async () => {
    expect(await memory().read(memory().upload(new Float32Array(0)))).toEqual(new Float32Array(0));
    expect(await memory().read(memory().f32(9))).toEqual(new Float32Array(9));
    expect(await memory().read(memory().i32(3))).toEqual(new Int32Array(3));
    expect(await memory().read(memory().u8(5))).toEqual(new Uint8Array(5));
  });

  test.each([1, 2, 3])('u8: a host view at byte offset %i uploads only its own bytes', async (offset) => {
    const whole = Uint8Array.from({ length: 16 }, (_, i) => 200 + i);
    const view = whole.subarray(offset, offset + 9);
    expect(await memory().read(memory().upload(view))).toEqual(Uint8Array.from(view));
  });

  test('f32 and i32: host views at an element offset upload only their own elements', async () => {
    const f = Float32Array.from({ length: 11 }, (_, i) => i + 0.5);
    expect(await memory().read(memory().upload(f.subarray(3, 8)))).toEqual(
      Float32Array.from([3.5, 4.5, 5.5, 6.5, 7.5]),
    );
    const n = Int32Array.from({ length: 6 }, (_, i) => -i);
    expect(await memory().read(memory().upload(n.subarray(1, 4)))).toEqual(Int32Array.from([-1, -2, -3]));
  });

  test.each([
    [1, 7],
    [2, 9],
    [3, 4],
    [3, 3],
    [5, 13],
  ])('u8: a device view [%i, %i) reads back its own bytes', async (begin, end) => {
    const data = Uint8Array.from({ length: 13 }, (_, i) => 17 * i + 3);
    const device = memory().upload(data);
    expect(await memory().read(device.subarray(begin, end))).toEqual(data.slice(begin, end));
    const shifted = device.subarray(begin - 1).subarray(1, end - begin + 1); // a view of a view
    expect(await memory().read(shifted)).toEqual(data.slice(begin, end));
  });

  test('f32 and i32: device views at odd element offsets read back their own elements', async () => {
    const f = Float32Array.from({ length: 10 }, (_, i) => i * 1.25 - 3);
    const device = memory().upload(f);
    expect(await memory().read(device.subarray(1, 4))).toEqual(f.slice(1, 4));
    expect(await memory().read(device.subarray(7))).toEqual(f.slice(7));
    const n = Int32Array.from({ length: 5 }, (_, i) => 1000 * i - 2);
    expect(await memory().read(memory().upload(n).subarray(3, 5))).toEqual(n.slice(3, 5));
    expect(() => device.subarray(4, 11)).toThrow(RangeError);
  });

  test('write() fills a view from its offset and leaves the rest of the buffer as it was', async () => {
    const device = memory().upload(Float32Array.from([1, 2, 3, 4, 5, 6]));
    memory().write(device.subarray(1, 5), Float32Array.from([20, 30]));
    expect(await memory().read(device)).toEqual(Float32Array.from([1, 20, 30, 4, 5, 6]));
    const bytes = memory().upload(Uint8Array.from({ length: 12 }, (_, i) => i));
    memory().write(bytes.subarray(4), Uint8Array.from([90, 91, 92, 93]));
    expect(await memory().read(bytes)).toEqual(Uint8Array.from([0, 1, 2, 3, 90, 91, 92, 93, 8, 9, 10, 11]));
  });

  test('write() rejects more values than the view holds, and an unaligned u8 range', () => {
    const device = memory().f32(4);
    expect(() => memory().write(device.subarray(2), new Float32Array(3))).toThrow(
      /expected at most 2 values/,
    );
    const bytes = memory().u8(12);
    expect(() => memory().write(bytes.subarray(1), new Uint8Array(4))).toThrow(WebGpuError);
    expect(() => memory().write(bytes, new Uint8Array(3))).toThrow(/4-byte aligned/);
  });

  test('a kernel recorded before write() runs first: fill, write, read gives the written values', async () => {
    const x = memory().f32(5);
    run('fill')({ x, n: 5, value: 1 });
    memory().write(x.subarray(1, 3), Float32Array.from([7, 8]));
    expect(await memory().read(x)).toEqual(Float32Array.from([1, 7, 8, 1, 1]));
  });

  test('a kernel recorded before write() reads the old contents of what is written', async () => {
    const x = memory().upload(Float32Array.from([1, 2, 3]));
    const out = memory().f32(3);
    run('scale')({ x, out, n: 3, alpha: 2 });
    memory().write(x, Float32Array.from([10, 20, 30]));
    run('add')({ a: x, b: out, out: x, n: 3 }); // recorded after: sees the new x
    expect(await memory().read(out)).toEqual(Float32Array.from([2, 4, 6]));
    expect(await memory().read(x)).toEqual(Float32Array.from([12, 24, 36]));
  });

  test('counters move with uploads, writes, dispatches and reads, and only with them', async () => {
    const before = memory().counters();
    const x = memory().upload(new Float32Array(10));
    const y = memory().f32(10); // an allocation is no upload
    memory().write(x.subarray(2), new Float32Array(3));
    run('scale')({ x, out: y, n: 10, alpha: 3 });
    run('add')({ a: x, b: y, out: y, n: 10 });
    run('fill')({ x, n: 0, value: 1 }); // nothing to do: no dispatch
    const mid = memory().counters();
    expect(mid).toEqual({
      ...before,
      uploads: before.uploads + 2,
      uploadBytes: before.uploadBytes + 40 + 12,
      dispatches: before.dispatches + 2,
    });
    await memory().read(y.subarray(1, 4));
    const bytes = memory().upload(new Uint8Array(7));
    await memory().read(bytes.subarray(1, 4)); // 3 bytes at offset 1: one aligned word is copied
    expect(memory().counters()).toEqual({
      ...mid,
      uploads: mid.uploads + 1,
      uploadBytes: mid.uploadBytes + 7,
      readbacks: mid.readbacks + 2,
      readbackBytes: mid.readbackBytes + 12 + 4,
    });
  });

  test('free() releases the buffer; a freed array is a clear WebGpuError in reads, writes and kernels', async () => {
    const live = memory().liveBytes;
    const x = memory().f32(100);
    const view = x.subarray(10, 20);
    expect(memory().liveBytes).toBe(live + 400);
    memory().free(x);
    expect(memory().liveBytes).toBe(live);
    memory().free(view); // a view of a freed buffer: nothing more to release
    expect(memory().liveBytes).toBe(live);
    await expect(memory().read(x)).rejects.toThrow(new WebGpuError('webgpu read: src was freed'));
    await expect(memory().read(view)).rejects.toThrow(WebGpuError);
    expect(() => memory().write(x, new Float32Array(1))).toThrow(
      new WebGpuError('webgpu write: dst was freed'),
    );
    const out = memory().f32(10);
    expect(() => run('scale')({ x: view, out, n: 10, alpha: 1 })).toThrow(
      new WebGpuError('webgpu scale: x was freed'),
    );
    expect(await memory().read(out)).toEqual(new Float32Array(10)); // still usable
  });

  test('a host typed array given to a webgpu kernel or to read() is an error that says where arrays must live', async () => {
    const out = memory().f32(4);
    expect(() => run('scale')({ x: new Float32Array(4), out, n: 4, alpha: 1 })).toThrow(
      /webgpu scale: x expected an array in webgpu memory .*got a Float32Array in JS memory/,
    );
    expect(() => run('fill')({ x: new Int32Array(4), n: 4, value: 1 })).toThrow(WebGpuError);
    await expect(memory().read(new Float32Array(2) as F32)).rejects.toThrow(
      /read: src expected an array in webgpu memory/,
    );
  });

  test('an array of another memory (another device) is refused as well', async () => {
    const other = memory().f32(2);
    await registerWebgpuBackend(); // a new device and memory: the old arrays belong to neither
    await expect(memory().read(other)).rejects.toThrow(/read: src expected an array in webgpu memory/);
    expect(() => run('fill')({ x: other, n: 2, value: 1 })).toThrow(
      /fill: x expected an array in webgpu memory/,
    );
  });

  test('allocation sizes are checked', () => {
    expect(() => memory().f32(-1)).toThrow(/non-negative integer, got -1/);
    expect(() => memory().u8(1.5)).toThrow(WebGpuError);
    expect(() => memory().f32(gpu!.maxStorageBufferBindingSize)).toThrow(/largest storage binding/);
  });

  test('the largest array is in whole 16-byte buffer units: an array whose values fit it allocates', async () => {
    await registerWebgpuBackend({ maxArrayBytes: 1000 });
    try {
      expect(memory().maxArrayBytes).toBe(992);
      expect(memory().f32(992 / 4).length).toBe(248); // a row block sized to the limit (1,000 B would round to 1,008)
      expect(memory().u8(992).length).toBe(992);
      expect(() => memory().f32(249)).toThrow(
        /needs 1008 bytes, above this device's largest storage binding of 992/,
      );
    } finally {
      await registerWebgpuBackend();
    }
  });
});

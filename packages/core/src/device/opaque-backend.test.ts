import { describe, expect, test } from 'vitest';
import {
  deviceMemory,
  getBackend,
  getKernelImpl,
  type KernelName,
  OPAQUE_BACKEND,
  OpaqueArrayError,
  onOpaqueBackend,
  REFERENCE_BACKEND,
  referenceKernels,
  registerOpaqueBackend,
  setBackend,
} from '../index.js';

type HostArray = Float32Array | Int32Array | Uint8Array;

const f32 = (...v: number[]) => Float32Array.from(v);
const ramp = (n: number, scale: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) * scale);

/** Host arguments of one kernel call; every typed array is an input or an output. */
const CASES: [KernelName, Record<string, unknown>][] = [
  [
    'matmul',
    { a: ramp(6, 1.3), b: ramp(12, 0.7), out: ramp(8, 1), m: 2, n: 4, k: 3, transB: true, accumulate: true },
  ],
  [
    'rmsnorm',
    {
      x: ramp(8, 2),
      weight: ramp(4, 1),
      out: new Float32Array(8),
      rstd: new Float32Array(2),
      rows: 2,
      cols: 4,
      eps: 1e-5,
    },
  ],
  ['softmax', { x: ramp(6, 5), out: new Float32Array(6), rows: 2, cols: 3 }],
  [
    'embedding',
    { ids: Int32Array.from([2, 0, 1]), table: ramp(6, 1), out: new Float32Array(6), tokens: 3, dim: 2 },
  ],
  [
    'stridedCopy',
    {
      src: ramp(8, 1),
      dst: new Float32Array(8),
      counts: [2, 2, 1],
      inner: 2,
      srcStrides: [4, 2, 0],
      dstStrides: [2, 4, 0],
    },
  ],
  [
    'adamw',
    {
      param: ramp(4, 1),
      grad: ramp(4, 0.1),
      m: new Float32Array(4),
      v: new Float32Array(4),
      gradScale: f32(0.5),
      step: 1,
      lr: 1e-2,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.01,
      n: 4,
    },
  ],
];

const bits = (a: HostArray) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('the opaque backend', () => {
  const memory = registerOpaqueBackend();

  test.each(CASES)(
    '%s gives the reference backend’s results bit for bit, counting the dispatch',
    async (name, args) => {
      const host = Object.fromEntries(
        Object.entries(args).map(([k, v]) => [k, ArrayBuffer.isView(v) ? (v as HostArray).slice() : v]),
      );
      const device = Object.fromEntries(
        Object.entries(args).map(([k, v]) => [
          k,
          ArrayBuffer.isView(v) ? memory.upload(v as Float32Array) : v,
        ]),
      );
      (referenceKernels[name] as (a: object) => void)(host);
      const dispatches = memory.counters().dispatches;
      (getKernelImpl(name, OPAQUE_BACKEND) as (a: object) => void)(device);
      expect(memory.counters().dispatches).toBe(dispatches + 1);
      for (const [key, value] of Object.entries(host))
        if (ArrayBuffer.isView(value))
          expect(bits(await memory.read(device[key] as Float32Array)), key).toEqual(bits(value as HostArray));
    },
  );

  test('refuses a host typed array or a freed array in a kernel’s arguments', () => {
    const silu = getKernelImpl('silu', OPAQUE_BACKEND)!;
    const x = memory.f32(2);
    expect(() => silu({ x, out: new Float32Array(2), n: 2 })).toThrow(OpaqueArrayError);
    expect(() => silu({ x, out: new Float32Array(2), n: 2 })).toThrow(
      'opaque kernel silu: out expected an array of this memory, got a host Float32Array',
    );
    const out = memory.f32(2);
    memory.free(out);
    expect(() => silu({ x, out, n: 2 })).toThrow(
      /opaque kernel silu out: expected a live array, got a DeviceF32/,
    );
  });

  test('registering again keeps one memory per name; another name gets its own', () => {
    expect(registerOpaqueBackend()).toBe(memory);
    expect(registerOpaqueBackend(OPAQUE_BACKEND)).toBe(memory);
    const other = registerOpaqueBackend('opaque-2');
    expect(other).not.toBe(memory);
    expect(other.name).toBe('opaque-2');
  });

  test('is never chosen automatically; onOpaqueBackend makes it active, then restores the backend before', async () => {
    expect(await setBackend()).not.toBe(OPAQUE_BACKEND);
    await setBackend(REFERENCE_BACKEND);
    const seen = await onOpaqueBackend(async (m) => [getBackend(), deviceMemory() === m, m === memory]);
    expect(seen).toEqual([OPAQUE_BACKEND, true, true]);
    expect(getBackend()).toBe(REFERENCE_BACKEND);
    await expect(
      onOpaqueBackend(async () => {
        throw new Error('body failed');
      }),
    ).rejects.toThrow('body failed');
    expect(getBackend()).toBe(REFERENCE_BACKEND);
  });
});

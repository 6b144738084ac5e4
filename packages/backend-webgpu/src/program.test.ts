import {
  counterHash,
  type DeviceArray,
  disposeBackends,
  type F32,
  getKernelImpl,
  type KernelName,
  type KernelSignatures,
  backendMemory,
} from '@lora/core';
import { useSoftwareVulkan } from '@lora/testing';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { registerWebgpuBackend, WEBGPU_BACKEND, webgpuDevice } from './backend.js';
import { openGpu, WebGpuError } from './gpu-device.js';
import { WebGpuMemory } from './memory.js';
import { FLAT_INDEX, groups1d, ProgramCache, type ProgramSpec } from './program.js';
import { GpuQueue } from './queue.js';

useSoftwareVulkan(); // before Dawn first enumerates adapters
await registerWebgpuBackend();
const gpu = webgpuDevice();
afterAll(disposeBackends);

const skipped = 'skipped: no WebGPU adapter; install chromium for SwiftShader, or run on a GPU';
const memory = () => backendMemory(WEBGPU_BACKEND) as WebGpuMemory;
const run = <K extends KernelName>(name: K) => getKernelImpl(name, WEBGPU_BACKEND) as KernelSignatures[K];
const seq = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

/** A device, queue, memory and program cache of its own, wired as backend.ts wires them. */
async function openPrograms(): Promise<ProgramCache> {
  const opened = await openGpu();
  if (!opened) throw new Error('openPrograms: expected a WebGPU adapter, got none');
  const { device, description } = opened;
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (event) => {
    errors.push((event as GPUUncapturedErrorEvent).error.message);
  });
  const queue = new GpuQueue(device);
  let programs: ProgramCache | undefined;
  const takeError = () => {
    const all = [...(programs?.errors.splice(0) ?? []), ...errors.splice(0)];
    return all.length > 0 ? all.join('; ') : undefined;
  };
  const maxBytes = Math.min(description.maxStorageBufferBindingSize, description.maxBufferSize);
  programs = new ProgramCache(device, new WebGpuMemory(device, queue, maxBytes, takeError));
  afterAll(() => device.destroy());
  return programs;
}

/** A program of workgroup size `wg` running `statement` for each i < p.n. */
function perItem(
  key: string,
  arrays: ProgramSpec['arrays'],
  statement: string,
  uniforms: ProgramSpec['uniforms'] = [],
  wg = 64,
): ProgramSpec {
  return {
    key,
    arrays,
    uniforms: [{ name: 'n', type: 'u32' }, ...uniforms],
    body: `${FLAT_INDEX}
@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid, ${wg}u);
  if (i >= p.n) { return; }
  ${statement}
}
`,
  };
}

describe('groups1d', () => {
  test.each([
    [0, 256, [0, 1, 1]],
    [1, 256, [1, 1, 1]],
    [257, 256, [2, 1, 1]],
    [65535 * 256, 256, [65535, 1, 1]],
    [65535 * 256 + 1, 256, [32768, 2, 1]],
    [70001, 1, [35001, 2, 1]],
    [3 * 65535 + 1, 1, [49152, 4, 1]],
  ] as const)('%i items of %i → %j', (items, size, want) => {
    const got = groups1d(items, size);
    expect(got).toEqual(want);
    expect(got[0]).toBeLessThanOrEqual(65535);
    expect(got[0] * got[1] * size).toBeGreaterThanOrEqual(items);
  });
});

describe.skipIf(!gpu)(
  gpu ? `outputs aliasing inputs, on ${gpu.name}` : `outputs aliasing inputs (${skipped})`,
  () => {
    const a0 = seq(1031, (i) => i * 0.5 - 7);
    const b0 = seq(1031, (i) => 3 - i * 0.25);

    test('out is the same view as an input (add, scale, dropout in place)', async () => {
      const a = memory().upload(a0);
      run('add')({ a, b: memory().upload(b0), out: a, n: 1031 });
      expect(await memory().read(a)).toEqual(seq(1031, (i) => a0[i]! + b0[i]!));
      const x = memory().upload(a0);
      run('scale')({ x, out: x, n: 1031, alpha: -2 });
      expect(await memory().read(x)).toEqual(seq(1031, (i) => -2 * a0[i]!));
      const d = memory().upload(a0);
      run('dropout')({ x: d, out: d, n: 1031, p: 0.5, seed: 12345 });
      const want = seq(1031, (i) => (counterHash(12345, i) >= 2 ** 31 ? a0[i]! * 2 : 0));
      expect(await memory().read(d)).toEqual(want);
      expect(want.filter((v, i) => v === 0 && a0[i] !== 0).length).toBeGreaterThan(400); // the mask did drop
    });

    test('out is another view object of the same elements of one buffer', async () => {
      const buffer = memory().upload(a0);
      const a = buffer.subarray(0, 1031);
      const out = buffer.subarray(0, 1031);
      expect(out).not.toBe(a);
      run('mul')({ a, b: memory().upload(b0), out, n: 1031 });
      expect(await memory().read(buffer)).toEqual(seq(1031, (i) => Math.fround(a0[i]! * b0[i]!)));
    });

    test('inputs and output are disjoint views of one buffer at unaligned offsets', async () => {
      const n = 301;
      const whole = new Float32Array(1 + 3 * n + 2); // [pad, a (n), b (n), out (n), pad, pad]
      whole.set(a0.subarray(0, n), 1);
      whole.set(b0.subarray(0, n), 1 + n);
      whole.fill(99, 1 + 2 * n);
      const buffer = memory().upload(whole);
      const [a, b, out] = [0, 1, 2].map((k) => buffer.subarray(1 + k * n, 1 + (k + 1) * n)) as [
        F32,
        F32,
        F32,
      ];
      run('add')({ a, b, out, n });
      const back = await memory().read(buffer);
      expect(back.subarray(0, 1 + 2 * n)).toEqual(whole.subarray(0, 1 + 2 * n)); // the inputs are untouched
      expect(back.subarray(1 + 2 * n, 1 + 3 * n)).toEqual(seq(n, (i) => a0[i]! + b0[i]!));
      expect(back.subarray(1 + 3 * n)).toEqual(Float32Array.from([99, 99]));
    });

    test('rope in place equals rope into a separate output', async () => {
      const [tokens, heads, headDim, rotaryDim] = [5, 3, 10, 6];
      const x0 = seq(tokens * heads * headDim, (i) => Math.sin(i));
      const tables = {
        cos: memory().upload(seq(8 * 3, (i) => Math.cos(i / 5))),
        sin: memory().upload(seq(8 * 3, (i) => Math.sin(i / 5))),
      };
      const positions = memory().upload(Int32Array.from([0, 7, 3, 3, 1]));
      const args = { tokens, heads, headDim, rotaryDim, positions, ...tables };
      const separate = memory().f32(x0.length);
      run('rope')({ ...args, x: memory().upload(x0), out: separate });
      const inPlace = memory().upload(x0);
      run('rope')({ ...args, x: inPlace, out: inPlace });
      const want = await memory().read(separate);
      expect(want).not.toEqual(x0);
      expect(await memory().read(inPlace)).toEqual(want);
    });
  },
);

describe.skipIf(!gpu)(
  gpu ? `the program layer, on ${gpu.name}` : `the program layer (${skipped})`,
  async () => {
    const programs = gpu ? await openPrograms() : (undefined as never);
    const mem = () => programs.memory;

    const COPY_I32 = perItem(
      'test:copyI32',
      [
        { name: 'x', type: 'i32' },
        { name: 'out', type: 'i32', write: true },
      ],
      'st_out(i, ld_x(i) * 10);',
    );

    test('accessors add each view offset (the offsets are uniforms: one pipeline serves every offset)', async () => {
      const x = mem().upload(Int32Array.from({ length: 20 }, (_, i) => i));
      const out = mem().upload(new Int32Array(20).fill(-1));
      const compile = vi.spyOn(programs.device, 'createComputePipeline');
      programs.run(COPY_I32, { x: x.subarray(3, 9), out: out.subarray(11, 17) }, { n: 6 }, groups1d(6, 64));
      programs.run(COPY_I32, { x: x.subarray(1), out: out.subarray(2) }, { n: 2 }, groups1d(2, 64));
      expect(compile).toHaveBeenCalledTimes(1);
      compile.mockRestore();
      const want = new Int32Array(20).fill(-1);
      want.set([10, 20], 2);
      want.set([30, 40, 50, 60, 70, 80], 11);
      expect(await mem().read(out)).toEqual(want);
    });

    test('an output sharing the input buffer is one read_write binding: a new pipeline, correct results', async () => {
      const buffer = mem().upload(Int32Array.from({ length: 12 }, (_, i) => i + 1));
      const compile = vi.spyOn(programs.device, 'createComputePipeline');
      programs.run(
        COPY_I32,
        { x: buffer.subarray(0, 6), out: buffer.subarray(6) },
        { n: 6 },
        groups1d(6, 64),
      );
      programs.run(COPY_I32, { x: buffer.subarray(6), out: buffer.subarray(6) }, { n: 6 }, groups1d(6, 64));
      expect(compile).toHaveBeenCalledTimes(1); // both calls have the aliased pattern
      compile.mockRestore();
      expect(await mem().read(buffer)).toEqual(
        Int32Array.from([1, 2, 3, 4, 5, 6, 100, 200, 300, 400, 500, 600]),
      );
    });

    test.each([0, 1, 2, 3])(
      'u8 accessors read the right byte of a view at byte offset %i',
      async (offset) => {
        const bytes = Uint8Array.from({ length: 23 }, (_, i) => (i * 37 + 5) & 0xff);
        const q = mem()
          .upload(bytes)
          .subarray(offset, offset + 17);
        const out = mem().i32(17);
        const spec = perItem(
          'test:bytes',
          [
            { name: 'q', type: 'u8' },
            { name: 'out', type: 'i32', write: true },
          ],
          'st_out(i, i32(ld_q(i)));',
        );
        programs.run(spec, { q, out }, { n: 17 }, groups1d(17, 64));
        expect(await mem().read(out)).toEqual(Int32Array.from(bytes.subarray(offset, offset + 17)));
      },
    );

    const SWAP4: ProgramSpec = perItem(
      'test:swap4',
      [
        { name: 'x', type: 'f32', vec4: true },
        { name: 'out', type: 'f32', write: true, vec4: true },
      ],
      'let v = ld4_x(i); st4_out(i, v.wzyx); st_out(4u * p.n, ld_x(1u));',
    );

    test('vec4 accessors read and write whole vec4s from a view offset that is a multiple of 4', async () => {
      const x = mem().upload(seq(16, (i) => i));
      const out = mem().f32(16);
      programs.run(SWAP4, { x: x.subarray(4), out: out.subarray(4) }, { n: 2 }, groups1d(2, 64));
      const want = Float32Array.from([0, 0, 0, 0, 7, 6, 5, 4, 11, 10, 9, 8, 5, 0, 0, 0]);
      expect(await mem().read(out)).toEqual(want);
    });

    test('a vec4 view at an offset that is not a multiple of 4, or a vec4 u8 array, is refused', () => {
      const x = mem().f32(16);
      expect(() => programs.run(SWAP4, { x: x.subarray(2), out: mem().f32(8) }, { n: 1 }, [1, 1, 1])).toThrow(
        new WebGpuError(
          'webgpu test:swap4: x is read as vec4 and expected an offset that is a multiple of 4, got 2',
        ),
      );
      const spec = perItem('test:u8vec4', [{ name: 'q', type: 'u8', vec4: true }], '');
      expect(() => programs.run(spec, { q: mem().u8(8) }, { n: 1 }, [1, 1, 1])).toThrow(
        /u8 arrays cannot be read as vec4/,
      );
    });

    test('uniforms of each type arrive with their exact bits', async () => {
      const spec = perItem(
        'test:uniforms',
        [
          { name: 'f', type: 'f32', write: true },
          { name: 'k', type: 'i32', write: true },
        ],
        'st_f(0u, p.a); st_f(1u, p.b); st_k(0u, p.c); st_k(1u, bitcast<i32>(p.d)); st_k(2u, i32(p.n));',
        [
          { name: 'a', type: 'f32' },
          { name: 'b', type: 'f32' },
          { name: 'c', type: 'i32' },
          { name: 'd', type: 'u32' },
        ],
      );
      const f = mem().f32(2);
      const k = mem().i32(3);
      programs.run(
        spec,
        { f, k },
        { n: 1, a: -1.1754942106924411e-38, b: Math.PI, c: -2147483648, d: 0xfffffffe },
        [1, 1, 1],
      );
      expect(await mem().read(f)).toEqual(Float32Array.from([-1.1754942106924411e-38, Math.PI]));
      expect(await mem().read(k)).toEqual(Int32Array.from([-2147483648, -2, 1]));
    });

    test('an absent optional array reads 0 and ignores stores; a present one is used', async () => {
      const spec = perItem(
        'test:optional',
        [
          { name: 'extra', type: 'f32', optional: true, write: true },
          { name: 'out', type: 'f32', write: true },
        ],
        'st_out(i, ld_extra(i) + 1.0); st_extra(i, 5.0);',
      );
      const out = mem().f32(3);
      programs.run(spec, { out, extra: undefined }, { n: 3 }, [1, 1, 1]);
      expect(await mem().read(out)).toEqual(Float32Array.from([1, 1, 1]));
      const extra = mem().upload(Float32Array.from([10, 20, 30]));
      programs.run(spec, { out, extra }, { n: 3 }, [1, 1, 1]);
      expect(await mem().read(out)).toEqual(Float32Array.from([11, 21, 31]));
      expect(await mem().read(extra)).toEqual(Float32Array.from([5, 5, 5]));
    });

    test('a missing array, a missing uniform or an array of the wrong type is a WebGpuError naming it', () => {
      const x = mem().i32(4);
      expect(() => programs.run(COPY_I32, { x }, { n: 4 }, [1, 1, 1])).toThrow(
        new WebGpuError('webgpu test:copyI32: out expected an array, got undefined'),
      );
      expect(() => programs.run(COPY_I32, { x, out: mem().i32(4) }, {}, [1, 1, 1])).toThrow(
        new WebGpuError('webgpu test:copyI32: uniform n expected a number, got undefined'),
      );
      expect(() => programs.run(COPY_I32, { x, out: mem().f32(4) }, { n: 4 }, [1, 1, 1])).toThrow(
        new WebGpuError('webgpu test:copyI32: out expected a i32 array, got a f32 one'),
      );
      expect(() =>
        programs.run(COPY_I32, { x: new Int32Array(4) as DeviceArray, out: x }, { n: 4 }, [1, 1, 1]),
      ).toThrow(/webgpu test: x expected an array in webgpu memory/);
    });

    test('zero workgroups record nothing', () => {
      const before = mem().counters().dispatches;
      programs.run(COPY_I32, { x: mem().i32(1), out: mem().i32(1) }, { n: 0 }, groups1d(0, 64));
      expect(mem().counters().dispatches).toBe(before);
    });

    test('a dispatch of more than 65535 workgroups (a 2-D grid) visits every item exactly once', async () => {
      const n = 70001;
      const spec = perItem(
        'test:count',
        [{ name: 'out', type: 'i32', write: true }],
        'st_out(i, ld_out(i) + i32(i) + 1);',
        [],
        1,
      );
      const out = mem().i32(n + 1); // one sentinel past the end
      const groups = groups1d(n, 1);
      expect(groups[1]).toBeGreaterThan(1);
      programs.run(spec, { out: out.subarray(0, n) }, { n }, groups);
      const got = await mem().read(out);
      expect(got).toEqual(Int32Array.from({ length: n + 1 }, (_, i) => (i < n ? i + 1 : 0)));
    });

    test('a WGSL error surfaces at the next read as a WebGpuError naming the program', async () => {
      const spec = perItem(
        'test:broken',
        [{ name: 'out', type: 'f32', write: true }],
        'st_out(i, undefined_name);',
      );
      const out = mem().f32(4);
      programs.run(spec, { out }, { n: 4 }, [1, 1, 1]);
      await expect(mem().read(out)).rejects.toThrow(/webgpu: a kernel failed on the device: .*test:broken/);
      const ok = mem().upload(Float32Array.from([1, 2]));
      expect(await mem().read(ok)).toEqual(Float32Array.from([1, 2])); // the device works on
    });
  },
);

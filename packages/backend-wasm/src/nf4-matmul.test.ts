import { type HostArgs, KernelArgumentError, type Nf4MatmulArgs, referenceKernels } from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { elementwiseRunner } from './elementwise-register.js';
import { dequantizeAbsmax } from './elementwise-stats.js';
import { WasmGemmEngine } from './engine.js';

/** Random 4-bit weight W (N, K) and an input for `mode`, as nf4Matmul arguments with a fresh out. */
function nf4Args(
  seed: number,
  m: number,
  n: number,
  k: number,
  blocksize: number,
  mode: 'forward' | 'inputGrad',
): HostArgs<Nf4MatmulArgs> {
  const rng = makeRng(seed);
  const x = new Float32Array(m * (mode === 'forward' ? k : n));
  rng.fill(x);
  const absmax = new Float32Array(Math.ceil((n * k) / blocksize));
  rng.fill(absmax, 0.05, 2);
  const code = new Float32Array(16);
  rng.fill(code);
  const packed = Uint8Array.from({ length: Math.ceil((n * k) / 2) }, () => rng.int(256));
  const out = new Float32Array(m * (mode === 'forward' ? n : k));
  return { x, packed, absmax, code, blocksize, out, m, n, k, mode };
}

const expected = (args: HostArgs<Nf4MatmulArgs>): Float32Array => {
  const out = args.out.slice();
  referenceKernels.nf4Matmul({ ...args, out });
  return out;
};

let one: WasmGemmEngine;
let two: WasmGemmEngine;
beforeAll(async () => {
  one = await WasmGemmEngine.create({ threads: 1 });
  two = await WasmGemmEngine.create({ threads: 2 });
  await two.startThreads();
});
afterAll(async () => {
  await one.dispose();
  await two.dispose();
});

describe('WasmGemmEngine.nf4Matmul (dequantize into the B panels)', () => {
  // 131 rows cross MC = 128, K = 1100 crosses KC = 512 twice; products above 4 Mflop run on both threads
  test.each([
    [131, 40, 1100, 64, 'forward'],
    [131, 1100, 40, 64, 'inputGrad'],
    [20, 2053, 67, 128, 'forward'],
    [20, 67, 2053, 128, 'inputGrad'],
  ] as const)(
    'M %i, N %i, K %i, blocksize %i, %s: 1 and 2 threads agree bit for bit',
    (m, n, k, bs, mode) => {
      const a1 = nf4Args(m + n + k, m, n, k, bs, mode);
      const a2 = { ...a1, out: a1.out.slice() };
      one.nf4Matmul(a1);
      two.nf4Matmul(a2);
      expect(two.lastCall.threads).toBe(2);
      expect(Array.from(a2.out)).toEqual(Array.from(a1.out));
      const reduction = mode === 'forward' ? k : n;
      expectClose(a1.out, expected(a1), { rtol: 1e-5, atol: 4e-7 * reduction }, `${mode} out`);
    },
  );

  test.each(['forward', 'inputGrad'] as const)(
    '%s with an odd blocksize (7): blocks start on odd elements',
    (mode) => {
      const args = nf4Args(9, 5, 13, 11, 7, mode);
      one.nf4Matmul(args);
      expectClose(args.out, expected(args), { rtol: 1e-6, atol: 1e-6 }, `${mode} blocksize 7`);
    },
  );

  test('operands resident in wasm memory are used in place (no staging)', () => {
    const args = nf4Args(5, 9, 33, 70, 64, 'forward');
    const want = expected(args);
    const resident = (src: Float32Array) => {
      const view = one.allocF32(src.length);
      view.set(src);
      return view;
    };
    const packedHome = one.allocF32(Math.ceil(args.packed.length / 4));
    const packed = new Uint8Array(packedHome.buffer, packedHome.byteOffset, args.packed.length);
    packed.set(args.packed);
    const inPlace = {
      ...args,
      x: resident(args.x),
      packed,
      absmax: resident(args.absmax!),
      code: resident(args.code),
      out: one.allocF32(args.out.length),
    };
    one.nf4Matmul(inPlace);
    expect(one.lastCall.stagedBytes).toBe(0);
    expectClose(inPlace.out, want, { rtol: 1e-5, atol: 1e-5 }, 'resident out');
  });

  test('accumulate adds into out; K = 0 zeroes it unless accumulating', () => {
    const args = nf4Args(6, 3, 5, 7, 64, 'inputGrad');
    args.out.fill(1);
    const want = expected({ ...args, accumulate: true });
    one.nf4Matmul({ ...args, accumulate: true });
    expectClose(args.out, want, { rtol: 1e-6, atol: 1e-6 }, 'accumulated');
    const empty = nf4Args(7, 2, 3, 0, 64, 'forward');
    empty.out.fill(5);
    one.nf4Matmul(empty);
    expect(Array.from(empty.out)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test.each([
    ['a Float64Array x', { x: new Float64Array(6) }, 'x (M, K) expected a Float32Array, got Float64Array'],
    ['a short packed', { packed: new Uint8Array(2) }, 'packed (⌈N·K/2⌉) expected at least 3 elements, got 2'],
    ['blocksize 0', { blocksize: 0 }, 'blocksize expected a positive integer, got 0'],
    ['a bad mode', { mode: 'both' }, "mode expected 'forward' or 'inputGrad', got both"],
  ])('rejects %s with KernelArgumentError', (_, patch, message) => {
    const args = { ...nf4Args(8, 2, 2, 3, 64, 'forward'), ...patch } as HostArgs<Nf4MatmulArgs>;
    expect(() => one.nf4Matmul(args)).toThrow(KernelArgumentError);
    expect(() => one.nf4Matmul(args)).toThrow(`nf4Matmul: ${message}`);
  });
});

/** The call's absmax double-quantized: random 8-bit codes, nested scales and an offset (values need not match). */
type HostNested = HostArgs<NonNullable<Nf4MatmulArgs['nested']>>;

function withNested(
  args: HostArgs<Nf4MatmulArgs>,
  seed: number,
  nestedBlocksize: number,
): HostArgs<Nf4MatmulArgs> & { nested: HostNested } {
  const rng = makeRng(seed);
  const blocks = args.absmax!.length;
  const nestedAbsmax = new Float32Array(Math.ceil(blocks / nestedBlocksize));
  rng.fill(nestedAbsmax, 0.2, 0.9);
  const nestedCode = new Float32Array(256);
  rng.fill(nestedCode);
  const qabsmax = Uint8Array.from({ length: blocks }, () => rng.int(256));
  const { absmax: _, ...rest } = args;
  return { ...rest, nested: { qabsmax, nestedAbsmax, nestedCode, nestedBlocksize, offset: 1.05 } };
}

describe('WasmGemmEngine.nf4Matmul with a double-quantized absmax', () => {
  // sizes grow then shrink, so the restore scratch is reused and grown between calls
  test.each([
    [5, 17, 33, 16, 7, 'forward'],
    [131, 40, 1100, 64, 256, 'forward'],
    [20, 67, 2053, 128, 3, 'inputGrad'],
    [3, 5, 9, 64, 256, 'inputGrad'],
  ] as const)(
    'M %i, N %i, K %i, blocksize %i, nestedBlocksize %i, %s: 1 and 2 threads equal dequantizeAbsmax then nf4Matmul bit for bit',
    (m, n, k, bs, nbs, mode) => {
      for (const engine of [one, two]) {
        const args = withNested(nf4Args(m * n + k, m, n, k, bs, mode), m + k, nbs);
        const blocks = Math.ceil((n * k) / bs);
        const absmax = new Float32Array(blocks);
        dequantizeAbsmax(elementwiseRunner(engine), { ...args.nested, out: absmax, n: blocks });
        const want = args.out.slice();
        engine.nf4Matmul({ ...args, nested: undefined, absmax, out: want });
        engine.nf4Matmul(args);
        expect(Array.from(args.out)).toEqual(Array.from(want));
        expectClose(
          args.out,
          expected(args),
          { rtol: 1e-5, atol: 4e-7 * (mode === 'forward' ? k : n) },
          mode,
        );
      }
    },
  );

  test.each([
    [
      'a Float64Array nestedAbsmax',
      { nestedAbsmax: new Float64Array(1) },
      'nested.nestedAbsmax (⌈blocks / nestedBlocksize⌉) expected a Float32Array, got Float64Array',
    ],
    [
      'a short nestedCode',
      { nestedCode: new Float32Array(16) },
      'nested.nestedCode (256) expected at least 256',
    ],
  ])('rejects %s with KernelArgumentError', (_, patch, message) => {
    const base = withNested(nf4Args(8, 2, 2, 3, 64, 'forward'), 9, 256);
    const args = { ...base, nested: { ...base.nested, ...patch } } as HostArgs<Nf4MatmulArgs>;
    expect(() => one.nf4Matmul(args)).toThrow(KernelArgumentError);
    expect(() => one.nf4Matmul(args)).toThrow(`nf4Matmul: ${message}`);
  });
});

import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { KernelArgumentError } from '../check.js';
import type { HostArgs } from '../../device/arrays.js';
import type { Nf4MatmulArgs } from '../types.js';
import { dequantizeAbsmax } from './dequantize-absmax.js';
import { nf4Matmul } from './nf4-matmul.js';

const rng = makeRng(11);
const random32 = (n: number, lo = -1, hi = 1): Float32Array =>
  Float32Array.from({ length: n }, () => rng.uniform(lo, hi));

/** An independent dense dequantize (bitsandbytes layout: two codes per byte, first in the high nibble). */
function dequantize(
  packed: Uint8Array,
  absmax: Float32Array,
  code: Float32Array,
  blocksize: number,
  count: number,
) {
  const w = new Float32Array(count); // (N, K) flattened
  for (let e = 0; e < count; e++) {
    const byte = packed[Math.floor(e / 2)]!;
    const idx = e % 2 === 0 ? (byte >> 4) & 0xf : byte & 0xf;
    w[e] = code[idx]! * absmax[Math.floor(e / blocksize)]!;
  }
  return w;
}

/** out[i, j] = Σp a[i, p] · b[p, j] with b read through `at`. */
function naive(a: Float32Array, at: (p: number, j: number) => number, m: number, n: number, k: number) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * at(p, j);
      out[i * n + j] = s;
    }
  return out;
}

function makeWeight(n: number, k: number, blocksize: number) {
  const packed = Uint8Array.from({ length: Math.ceil((n * k) / 2) }, () => rng.int(256));
  const absmax = random32(Math.ceil((n * k) / blocksize), 0.1, 2);
  const code = random32(16);
  return { packed, absmax, code, w: dequantize(packed, absmax, code, blocksize, n * k) };
}

describe('nf4Matmul (reference) against dequantize-then-matmul', () => {
  test.each([
    [1, 1, 1, 64],
    [1, 7, 3, 64],
    [3, 5, 9, 64], // N·K odd: the last byte holds one code
    [5, 17, 65, 64], // ragged last block
    [7, 33, 130, 128],
    [4, 9, 11, 4], // blocks straddle rows
  ])('M %i, N %i, K %i, blocksize %i, both modes', (m, n, k, blocksize) => {
    const { packed, absmax, code, w } = makeWeight(n, k, blocksize); // w (N, K)
    const x = random32(m * k); // (M, K)
    const out = new Float32Array(m * n).fill(Number.NaN); // (M, N)
    nf4Matmul({ x, packed, absmax, code, blocksize, out, m, n, k, mode: 'forward' });
    expectClose(
      out,
      naive(x, (p, j) => w[j * k + p]!, m, n, k),
      { rtol: 1e-6, atol: 1e-6 },
      'forward',
    );

    const dy = random32(m * n); // (M, N)
    const dx = new Float32Array(m * k).fill(Number.NaN); // (M, K)
    nf4Matmul({ x: dy, packed, absmax, code, blocksize, out: dx, m, n, k, mode: 'inputGrad' });
    expectClose(
      dx,
      naive(dy, (p, j) => w[p * k + j]!, m, k, n),
      { rtol: 1e-6, atol: 1e-6 },
      'inputGrad',
    );
  });

  test.each(['forward', 'inputGrad'] as const)('%s accumulates into out', (mode) => {
    const [m, n, k, blocksize] = [3, 5, 7, 64];
    const { packed, absmax, code, w } = makeWeight(n, k, blocksize);
    const size = mode === 'forward' ? m * n : m * k;
    const x = random32(mode === 'forward' ? m * k : m * n);
    const start = random32(size);
    const out = start.slice();
    nf4Matmul({ x, packed, absmax, code, blocksize, out, m, n, k, mode, accumulate: true });
    const product =
      mode === 'forward'
        ? naive(x, (p, j) => w[j * k + p]!, m, n, k)
        : naive(x, (p, j) => w[p * k + j]!, m, k, n);
    expectClose(
      out,
      product.map((v, i) => v + start[i]!),
      { rtol: 1e-6, atol: 1e-6 },
      mode,
    );
  });

  test('reads the first element of a byte from the high nibble', () => {
    const code = Float32Array.from({ length: 16 }, (_, i) => i);
    const args: HostArgs<Nf4MatmulArgs> = {
      x: Float32Array.from([1, 10]),
      packed: Uint8Array.from([0x31]), // W (1, 2) = [3, 1] · absmax
      absmax: Float32Array.from([2]),
      code,
      blocksize: 64,
      out: new Float32Array(1),
      m: 1,
      n: 1,
      k: 2,
      mode: 'forward',
    };
    nf4Matmul(args);
    expect(args.out[0]).toBe(3 * 2 + 10 * 1 * 2);
  });

  test.each([
    ['blocksize 0', { blocksize: 0 }, /blocksize expected a positive integer, got 0/],
    ['a bad mode', { mode: 'backward' }, /mode expected 'forward' or 'inputGrad'/],
    ['a short packed', { packed: new Uint8Array(1) }, /packed .* expected at least 3 elements, got 1/],
    ['a short absmax', { blocksize: 2, absmax: new Float32Array(2) }, /absmax .* expected at least 3/],
    ['a short code', { code: new Float32Array(4) }, /code \(16\) expected at least 16/],
  ])('rejects %s', (_, patch, message) => {
    const args = {
      x: new Float32Array(6),
      packed: new Uint8Array(3),
      absmax: new Float32Array(1),
      code: new Float32Array(16),
      blocksize: 64,
      out: new Float32Array(4),
      m: 2,
      n: 2,
      k: 3,
      mode: 'forward',
      ...patch,
    } as HostArgs<Nf4MatmulArgs>;
    expect(() => nf4Matmul(args)).toThrow(KernelArgumentError);
    expect(() => nf4Matmul(args)).toThrow(message);
  });

  test.each([
    ['neither', { absmax: undefined }, /nf4Matmul: absmax or nested expected exactly one, got neither/],
    [
      'both',
      {
        nested: {
          qabsmax: new Uint8Array(1),
          nestedAbsmax: new Float32Array(1),
          nestedCode: new Float32Array(256),
          nestedBlocksize: 256,
          offset: 0,
        },
      },
      /nf4Matmul: absmax or nested expected exactly one, got both/,
    ],
  ])('rejects %s of absmax and nested', (_, patch, message) => {
    const args = {
      x: new Float32Array(6),
      packed: new Uint8Array(3),
      absmax: new Float32Array(1),
      code: new Float32Array(16),
      blocksize: 64,
      out: new Float32Array(4),
      m: 2,
      n: 2,
      k: 3,
      mode: 'forward',
      ...patch,
    } as HostArgs<Nf4MatmulArgs>;
    expect(() => nf4Matmul(args)).toThrow(KernelArgumentError);
    expect(() => nf4Matmul(args)).toThrow(message);
  });
});

/** A double-quantized absmax of `blocks` blocks: 8-bit codes, nested scales, a sin-valued code and an offset. */
function makeNested(blocks: number, nestedBlocksize: number) {
  return {
    qabsmax: Uint8Array.from({ length: blocks }, () => rng.int(256)),
    nestedAbsmax: random32(Math.ceil(blocks / nestedBlocksize), 0.5, 2),
    // values whose products and sums are not exact in f32, so a single rounding would show
    nestedCode: Float32Array.from({ length: 256 }, (_, q) => Math.sin(q + 1)),
    nestedBlocksize,
    offset: 0.1, // not an f32 value: the formula adds f32(0.1)
  };
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('nf4Matmul (reference) with a double-quantized absmax', () => {
  test.each([
    [1, 1, 1, 64, 256, false],
    [3, 5, 9, 4, 3, false], // 12 blocks, nested blocks of 3
    [5, 17, 65, 64, 7, true], // 18 blocks: a nested blocksize that does not divide them
    [1, 33, 130, 16, 5, true], // M = 1
    [7, 33, 130, 128, 256, false],
  ])(
    'M %i, N %i, K %i, blocksize %i, nestedBlocksize %i, accumulate %s: bit for bit dequantizeAbsmax then nf4Matmul',
    (m, n, k, blocksize, nestedBlocksize, accumulate) => {
      const blocks = Math.ceil((n * k) / blocksize);
      const { packed, code } = makeWeight(n, k, blocksize);
      const nested = makeNested(blocks, nestedBlocksize);
      const absmax = new Float32Array(blocks);
      dequantizeAbsmax({ ...nested, out: absmax, n: blocks });
      for (const mode of ['forward', 'inputGrad'] as const) {
        const x = random32(m * (mode === 'forward' ? k : n));
        const start = random32(m * (mode === 'forward' ? n : k));
        const common = { x, packed, code, blocksize, m, n, k, mode, accumulate };
        const want = start.slice();
        nf4Matmul({ ...common, absmax, out: want });
        const got = start.slice();
        nf4Matmul({ ...common, nested, out: got });
        expect(bits(got), mode).toEqual(bits(want));
      }
    },
  );

  test.each([
    [{ nestedBlocksize: 0 }, /nf4Matmul: nested.nestedBlocksize expected a positive integer, got 0/],
    [
      { qabsmax: new Uint8Array(2) },
      /nf4Matmul: nested.qabsmax \(⌈N·K\/blocksize⌉\) expected at least 3 elements, got 2/,
    ],
    [
      { nestedAbsmax: new Float32Array(1) },
      /nf4Matmul: nested.nestedAbsmax \(⌈blocks \/ nestedBlocksize⌉\) expected at least 2 elements, got 1/,
    ],
    [
      { nestedCode: new Float32Array(16) },
      /nf4Matmul: nested.nestedCode \(256\) expected at least 256 elements/,
    ],
    [{ offset: Number.NaN }, /nf4Matmul: nested.offset expected a finite number, got NaN/],
  ])('rejects a nested absmax with %o', (patch, message) => {
    const args = {
      x: new Float32Array(6),
      packed: new Uint8Array(3),
      nested: {
        qabsmax: new Uint8Array(3),
        nestedAbsmax: new Float32Array(2),
        nestedCode: new Float32Array(256),
        nestedBlocksize: 2,
        offset: 0,
        ...patch,
      },
      code: new Float32Array(16),
      blocksize: 2,
      out: new Float32Array(4),
      m: 2,
      n: 2,
      k: 3,
      mode: 'forward',
    } as HostArgs<Nf4MatmulArgs>;
    expect(() => nf4Matmul(args)).toThrow(KernelArgumentError);
    expect(() => nf4Matmul(args)).toThrow(message);
  });
});

import { describe, expect, test } from 'vitest';
import { KernelArgumentError } from '../check.js';
import type { StridedCopyArgs } from '../types.js';
import { fill, stridedCopy } from './fill-copy.js';

/** 0, 1, 2, … as float32: every element names its own index, so a misplaced copy shows. */
const iota = (n: number, start = 0): Float32Array => Float32Array.from({ length: n }, (_, i) => start + i);
const SENTINEL = -7;

type Grid = Pick<StridedCopyArgs, 'counts' | 'inner' | 'srcStrides' | 'dstStrides'>;

describe('fill (reference)', () => {
  test.each([
    { value: 0.1, expected: Math.fround(0.1) },
    { value: -3, expected: -3 },
    { value: Number.NEGATIVE_INFINITY, expected: Number.NEGATIVE_INFINITY },
    { value: 1e39, expected: Number.POSITIVE_INFINITY }, // beyond float32: rounds to +∞ as a store would
  ])('float32 x[0 … n) = $value', ({ value, expected }) => {
    const x = new Float32Array(6).fill(SENTINEL);
    fill({ x, n: 4, value });
    expect(Array.from(x)).toEqual([expected, expected, expected, expected, SENTINEL, SENTINEL]);
  });

  test('int32 arrays take the integer (a mask of ones, a −1 index)', () => {
    const x = new Int32Array(5).fill(9);
    fill({ x, n: 5, value: -1 });
    expect(Array.from(x)).toEqual([-1, -1, -1, -1, -1]);
  });

  test('writes into a view without touching the rest of the buffer', () => {
    const buffer = new Float32Array(8).fill(SENTINEL);
    fill({ x: buffer.subarray(2, 6), n: 3, value: 1 });
    expect(Array.from(buffer)).toEqual([SENTINEL, SENTINEL, 1, 1, 1, SENTINEL, SENTINEL, SENTINEL]);
  });

  test('n = 0 writes nothing', () => {
    const x = new Float32Array(2).fill(SENTINEL);
    fill({ x, n: 0, value: 1 });
    expect(Array.from(x)).toEqual([SENTINEL, SENTINEL]);
  });

  test.each([
    [{ n: 5 }, /fill: x \(n\) expected at least 5 elements, got 4/],
    [{ n: -1 }, /fill: n expected a non-negative integer, got -1/],
    [{ value: undefined as unknown as number }, /fill: value expected a number, got undefined/],
  ])('rejects %o', (bad, message) => {
    const args = { x: new Float32Array(4), n: 4, value: 0, ...bad };
    expect(() => fill(args)).toThrow(KernelArgumentError);
    expect(() => fill(args)).toThrow(message);
  });
});

describe('stridedCopy (reference)', () => {
  // (A, B, C, D) → (A, C, B, D): the heads ↔ tokens transpose of attention, by its direct index formula.
  test.each([
    { A: 1, B: 1, C: 1, D: 1 },
    { A: 2, B: 3, C: 4, D: 5 },
    { A: 1, B: 4, C: 2, D: 8 },
    { A: 3, B: 1, C: 5, D: 2 },
    { A: 2, B: 6, C: 3, D: 1 },
  ])('swaps the middle axes of ($A, $B, $C, $D)', ({ A, B, C, D }) => {
    const src = iota(A * B * C * D);
    const dst = new Float32Array(A * C * B * D).fill(SENTINEL);
    stridedCopy({
      src,
      dst,
      counts: [A, B, C],
      inner: D,
      srcStrides: [B * C * D, C * D, D],
      dstStrides: [C * B * D, D, B * D],
    });
    const expected = new Float32Array(A * C * B * D);
    for (let a = 0; a < A; a++)
      for (let b = 0; b < B; b++)
        for (let c = 0; c < C; c++)
          for (let d = 0; d < D; d++)
            expected[((a * C + c) * B + b) * D + d] = src[((a * B + b) * C + c) * D + d]!;
    expect(Array.from(dst)).toEqual(Array.from(expected));
  });

  // A fused projection (T, (Hq + 2·Hkv)·D) split into q (Hq, T, D), k and v (Hkv, T, D), reading from views.
  test.each([
    { T: 5, Hq: 4, Hkv: 2, D: 3 },
    { T: 1, Hq: 2, Hkv: 2, D: 4 },
    { T: 3, Hq: 6, Hkv: 1, D: 2 },
  ])('splits a fused qkv (T $T, Hq $Hq, Hkv $Hkv, D $D) into head-major q, k, v', ({ T, Hq, Hkv, D }) => {
    const W = (Hq + 2 * Hkv) * D;
    const qkv = iota(T * W);
    const parts = [
      { heads: Hq, start: 0 },
      { heads: Hkv, start: Hq * D },
      { heads: Hkv, start: (Hq + Hkv) * D },
    ];
    for (const { heads, start } of parts) {
      const out = new Float32Array(heads * T * D).fill(SENTINEL);
      stridedCopy({
        src: qkv.subarray(start),
        dst: out,
        counts: [T, heads, 1],
        inner: D,
        srcStrides: [W, D, 0],
        dstStrides: [D, T * D, 0],
      });
      const expected: number[] = [];
      for (let h = 0; h < heads; h++)
        for (let t = 0; t < T; t++)
          for (let d = 0; d < D; d++) expected.push(qkv[t * W + start + h * D + d]!);
      expect(Array.from(out), `part at ${start}`).toEqual(expected);
    }
  });

  test('writes new keys into a KV cache (H, maxT, D) at a position, leaving the rest of the cache as it was', () => {
    const [H, maxT, D, T, position] = [2, 6, 3, 2, 3];
    const cache = new Float32Array(H * maxT * D).fill(SENTINEL);
    const keys = iota(T * H * D, 100); // (T, H, D)
    stridedCopy({
      src: keys,
      dst: cache.subarray(position * D),
      counts: [T, H, 1],
      inner: D,
      srcStrides: [H * D, D, 0],
      dstStrides: [D, maxT * D, 0],
    });
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < maxT; t++) {
        for (let d = 0; d < D; d++) {
          const inNew = t >= position && t < position + T;
          const expected = inNew ? keys[((t - position) * H + h) * D + d]! : SENTINEL;
          expect(cache[(h * maxT + t) * D + d], `h ${h}, t ${t}, d ${d}`).toBe(expected);
        }
      }
    }
  });

  test('a zero source stride repeats the run (a broadcast)', () => {
    const dst = new Float32Array(6);
    stridedCopy({
      src: Float32Array.from([1, 2]),
      dst,
      counts: [3, 1, 1],
      inner: 2,
      srcStrides: [0, 0, 0],
      dstStrides: [2, 0, 0],
    });
    expect(Array.from(dst)).toEqual([1, 2, 1, 2, 1, 2]);
  });

  test('copies float32 values bit for bit (−0, NaN, ±∞, subnormals)', () => {
    const src = Float32Array.from([-0, Number.NaN, Number.POSITIVE_INFINITY, -1e-45, 3.4028234663852886e38]);
    const dst = new Float32Array(5);
    stridedCopy({ src, dst, counts: [1, 1, 1], inner: 5, srcStrides: [0, 0, 0], dstStrides: [0, 0, 0] });
    expect(Array.from(new Uint32Array(dst.buffer))).toEqual(Array.from(new Uint32Array(src.buffer)));
  });

  const emptyGrid = (grid: Grid) => () =>
    stridedCopy({ src: new Float32Array(0), dst: new Float32Array(0), ...grid });

  test('an empty grid (a zero count) accepts empty arrays and writes nothing', () => {
    const grid: Grid = { counts: [0, 3, 3], inner: 4, srcStrides: [9, 9, 9], dstStrides: [9, 9, 9] };
    expect(emptyGrid(grid)).not.toThrow();
  });

  // with inner = 0 the extent is 0, so empty arrays pass the check; the copy must then touch nothing
  test('an empty grid (inner = 0) accepts empty arrays and writes nothing', () => {
    const grid: Grid = { counts: [2, 2, 2], inner: 0, srcStrides: [9, 9, 9], dstStrides: [9, 9, 9] };
    expect(emptyGrid(grid)).not.toThrow();
  });

  test.each<[Partial<StridedCopyArgs>, RegExp]>([
    [
      { counts: [2, 3] as unknown as StridedCopyArgs['counts'] },
      /stridedCopy: counts, srcStrides and dstStrides expected 3 values each, got 2, 3 and 3/,
    ],
    [{ inner: 1.5 }, /stridedCopy: inner expected a non-negative integer, got 1.5/],
    [{ counts: [2, -1, 3] }, /stridedCopy: counts\[1\] expected a non-negative integer, got -1/],
    [{ srcStrides: [12, 4, -1] }, /stridedCopy: srcStrides\[2\] expected a non-negative integer, got -1/],
    [
      { dstStrides: [Number.NaN, 4, 1] },
      /stridedCopy: dstStrides\[0\] expected a non-negative integer, got NaN/,
    ],
    // extent = (2−1)·12 + (3−1)·4 + (4−1)·1 + 1 = 24
    [{ src: new Float32Array(23) }, /stridedCopy: src expected at least 24 elements, got 23/],
    [{ dst: new Float32Array(20) }, /stridedCopy: dst expected at least 24 elements, got 20/],
  ])('rejects %o', (bad, message) => {
    const args: StridedCopyArgs = {
      src: new Float32Array(24),
      dst: new Float32Array(24),
      counts: [2, 3, 4],
      inner: 1,
      srcStrides: [12, 4, 1],
      dstStrides: [12, 4, 1],
      ...bad,
    };
    const call = () => stridedCopy(args as Parameters<typeof stridedCopy>[0]);
    expect(call).toThrow(KernelArgumentError);
    expect(call).toThrow(message);
  });
});

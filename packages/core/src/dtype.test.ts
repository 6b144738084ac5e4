import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import {
  bf16BitsToNumber,
  bf16ToF32,
  f16BitsToNumber,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  f64ToF32,
  numberToBf16Bits,
  numberToF16Bits,
} from './dtype.js';

// Independent oracles: values from the format definitions in float64, nearest-even by search over all values.

/** IEEE binary16 value from its fields, in float64. */
function f16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m === 0 ? s * Number.POSITIVE_INFINITY : Number.NaN;
  if (e === 0) return s * m * 2 ** -24;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** bfloat16 value from its fields (1 sign, 8 exponent, 7 mantissa bits), in float64. */
function bf16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 7) & 0xff;
  const m = h & 0x7f;
  if (e === 0xff) return m === 0 ? s * Number.POSITIVE_INFINITY : Number.NaN;
  if (e === 0) return s * m * 2 ** -133;
  return s * (1 + m / 128) * 2 ** (e - 127);
}

/** Nearest-even rounding of a finite x onto the positive finite values `pos` (index = bit pattern). */
function makeOracle(lastFinite: number, value: (h: number) => number): (x: number) => number {
  const pos = Float64Array.from({ length: lastFinite + 1 }, (_, h) => value(h));
  const max = pos[lastFinite]!;
  const overflow = max + (max - pos[lastFinite - 1]!) / 2; // max + half an ulp: ties go to the even Inf
  const infBits = lastFinite + 1;
  return (x) => {
    const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
    const a = Math.abs(x);
    if (a >= overflow) return sign | infBits;
    let lo = 0;
    let hi = lastFinite;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (pos[mid]! <= a) lo = mid;
      else hi = mid - 1;
    }
    if (lo === lastFinite) return sign | lo;
    const dLo = a - pos[lo]!;
    const dHi = pos[lo + 1]! - a;
    const pick = dLo < dHi ? lo : dHi < dLo ? lo + 1 : lo % 2 === 0 ? lo : lo + 1;
    return sign | pick;
  };
}

const f16Oracle = makeOracle(0x7bff, f16Value);
const bf16Oracle = makeOracle(0x7f7f, bf16Value);

const allPatterns = Uint16Array.from({ length: 65536 }, (_, i) => i);
const isF16NaN = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
const isBf16NaN = (h: number) => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;

/** The first few failures of check(i) over 0..n-1 (check returns a description, or undefined when fine). */
function mismatches(n: number, check: (i: number) => string | undefined): string[] {
  const bad: string[] = [];
  for (let i = 0; i < n && bad.length < 5; i++) {
    const b = check(i);
    if (b !== undefined) bad.push(b);
  }
  return bad;
}

function f32FromBits(bits: number): number {
  return new Float32Array(Uint32Array.of(bits).buffer)[0]!;
}

/** f32 values one ulp above and below a finite f32 value (toward +Inf and -Inf). */
function f32Neighbours(x: number): [number, number] {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0]!;
  const up = x > 0 || Object.is(x, 0) ? u + 1 : u - 1;
  const down = x > 0 ? u - 1 : x === 0 ? 0x80000001 : u + 1;
  return [f32FromBits(up), f32FromBits(down)];
}

describe('bf16 exhaustive', () => {
  const decoded = bf16ToF32(allPatterns);
  const decodedBits = new Uint32Array(decoded.buffer);

  test('decoding is the upper half of the f32 bits and equals the format value for all 65,536 patterns', () => {
    const bad = mismatches(65536, (h) => {
      const v = decoded[h]!;
      const valueOk = isBf16NaN(h) ? Number.isNaN(v) : Object.is(v, bf16Value(h)) && Math.fround(v) === v;
      return decodedBits[h] === (h << 16) >>> 0 && valueOk ? undefined : `0x${h.toString(16)} -> ${v}`;
    });
    expect(bad).toEqual([]);
  });

  test('decode then encode is the identity; NaN stays NaN of the same sign, made quiet', () => {
    const back = f32ToBf16(decoded);
    const bad = mismatches(65536, (h) => {
      const want = isBf16NaN(h) ? h | 0x0040 : h;
      return back[h] === want ? undefined : `0x${h.toString(16)} -> 0x${back[h]!.toString(16)}`;
    });
    expect(bad).toEqual([]);
  });

  test('every midpoint between adjacent bf16 values, and one f32 ulp either side, rounds as nearest-even', () => {
    const xs: number[] = [];
    for (let h = 0; h < 0x7f7f; h++) {
      for (const s of [0, 0x8000]) {
        const mid = (bf16Value(h | s) + bf16Value((h + 1) | s)) / 2;
        xs.push(mid, ...f32Neighbours(mid));
      }
    }
    const x32 = Float32Array.from(xs);
    expect(
      mismatches(xs.length, (i) => (x32[i] === xs[i] ? undefined : `${xs[i]} is not exact in f32`)),
    ).toEqual([]);
    const got = f32ToBf16(x32);
    const bad = mismatches(xs.length, (i) => {
      const want = bf16Oracle(xs[i]!);
      return got[i] === want
        ? undefined
        : `${xs[i]} -> 0x${got[i]!.toString(16)}, expected 0x${want.toString(16)}`;
    });
    expect(bad).toEqual([]);
  });
});

describe('f16 exhaustive', () => {
  const decoded = f16ToF32(allPatterns);

  test('decoding equals the IEEE binary16 value for all 65,536 patterns and is an f32', () => {
    const bad = mismatches(65536, (h) => {
      const v = decoded[h]!;
      // Object.is keeps -0 apart from +0
      const ok = isF16NaN(h) ? Number.isNaN(v) : Object.is(v, f16Value(h)) && Math.fround(v) === v;
      return ok ? undefined : `0x${h.toString(16)} -> ${v}, expected ${f16Value(h)}`;
    });
    expect(bad).toEqual([]);
  });

  test('decode then encode is the identity; NaN keeps sign and payload, made quiet', () => {
    const back = f32ToF16(decoded);
    const bad = mismatches(65536, (h) => {
      const want = isF16NaN(h) ? h | 0x0200 : h;
      return back[h] === want ? undefined : `0x${h.toString(16)} -> 0x${back[h]!.toString(16)}`;
    });
    expect(bad).toEqual([]);
  });

  test('every midpoint between adjacent f16 values, and one f32 ulp either side, rounds as nearest-even', () => {
    const xs: number[] = [];
    for (let h = 0; h < 0x7bff; h++) {
      for (const s of [0, 0x8000]) {
        const mid = (f16Value(h | s) + f16Value((h + 1) | s)) / 2;
        xs.push(mid, ...f32Neighbours(mid));
      }
    }
    const x32 = Float32Array.from(xs);
    expect(
      mismatches(xs.length, (i) => (x32[i] === xs[i] ? undefined : `${xs[i]} is not exact in f32`)),
    ).toEqual([]);
    const got = f32ToF16(x32);
    const bad = mismatches(xs.length, (i) => {
      const want = f16Oracle(xs[i]!);
      return got[i] === want
        ? undefined
        : `${xs[i]} -> 0x${got[i]!.toString(16)}, expected 0x${want.toString(16)}`;
    });
    expect(bad).toEqual([]);
  });

  test('200,000 random f32 bit patterns round as the nearest-even oracle says', () => {
    const rng = makeRng(7);
    const bits = Uint32Array.from({ length: 200_000 }, () => Math.floor(rng.next() * 2 ** 32));
    const xs = new Float32Array(bits.buffer);
    const f16 = f32ToF16(xs);
    const bf16 = f32ToBf16(xs);
    const bad = mismatches(xs.length, (i) => {
      const x = xs[i]!;
      const ok = Number.isNaN(x)
        ? isF16NaN(f16[i]!) && isBf16NaN(bf16[i]!)
        : f16[i] === f16Oracle(x) && bf16[i] === bf16Oracle(x);
      return ok ? undefined : `${x} -> f16 0x${f16[i]!.toString(16)}, bf16 0x${bf16[i]!.toString(16)}`;
    });
    expect(bad).toEqual([]);
  });
});

describe('rounding edge cases', () => {
  const sub = 2 ** -24; // smallest f16 subnormal
  test.each([
    ['65504, the largest finite f16', 65504, 0x7bff],
    ['65519.99 stays finite', Math.fround(65519.99), 0x7bff],
    ['65520 ties to even: Inf', 65520, 0x7c00],
    ['-65520 -> -Inf', -65520, 0xfc00],
    ['1e6 overflows to Inf', 1e6, 0x7c00],
    ['+Inf', Number.POSITIVE_INFINITY, 0x7c00],
    ['-Inf', Number.NEGATIVE_INFINITY, 0xfc00],
    ['+0', 0, 0x0000],
    ['-0', -0, 0x8000],
    ['2^-24, the smallest subnormal', sub, 0x0001],
    ['-2^-24', -sub, 0x8001],
    ['2^-25, half of it, ties to even: +0', sub / 2, 0x0000],
    ['-2^-25 -> -0', -sub / 2, 0x8000],
    ['just below 2^-25 -> +0', f32FromBits(0x32ffffff), 0x0000],
    ['just above 2^-25 -> 2^-24', f32FromBits(0x33000001), 0x0001],
    ['1.5 * 2^-24 ties to even: 2 * 2^-24', 1.5 * sub, 0x0002],
    ['2.5 * 2^-24 ties to even: 2 * 2^-24', 2.5 * sub, 0x0002],
    ['largest subnormal 1023 * 2^-24', 1023 * sub, 0x03ff],
    ['1023.5 * 2^-24 ties up into the smallest normal 2^-14', 1023.5 * sub, 0x0400],
    ['f32 subnormal -> +0', f32FromBits(0x00000001), 0x0000],
    ['1 + 2^-11 ties to even: 1', 1 + 2 ** -11, 0x3c00],
    ['1 + 3 * 2^-11 ties to even: 1 + 2^-9', 1 + 3 * 2 ** -11, 0x3c02],
    ['2049 ties to even: 2048', 2049, 0x6800],
    ['2051 ties to even: 2052', 2051, 0x6802],
    ['0.1', 0.1, 0x2e66],
    ['NaN -> quiet NaN', Number.NaN, 0x7e00],
  ])('f32ToF16: %s', (_label, x, bits) => {
    expect(numberToF16Bits(x)).toBe(bits);
    expect(f32ToF16(Float32Array.of(x))[0]).toBe(bits);
  });

  test.each([
    ['1 + 2^-8 ties to even: 1', 1 + 2 ** -8, 0x3f80],
    ['1 + 3 * 2^-8 ties to even: 1 + 2^-6', 1 + 3 * 2 ** -8, 0x3f82],
    ['just above the tie rounds up', f32FromBits(0x3f808001), 0x3f81],
    ['largest finite bf16', f32FromBits(0x7f7f0000), 0x7f7f],
    ['max bf16 + half an ulp ties to even: Inf', f32FromBits(0x7f7f8000), 0x7f80],
    ['largest f32 -> Inf', f32FromBits(0x7f7fffff), 0x7f80],
    ['-0', -0, 0x8000],
    ['-Inf', Number.NEGATIVE_INFINITY, 0xff80],
    ['2^-134, half the smallest bf16 subnormal, ties to even: +0', f32FromBits(0x00008000), 0x0000],
    ['f32 subnormal rounds to a bf16 subnormal', f32FromBits(0x00018000), 0x0002],
    ['0.1', 0.1, 0x3dcd],
    ['NaN -> quiet NaN', Number.NaN, 0x7fc0],
  ])('f32ToBf16: %s', (_label, x, bits) => {
    expect(numberToBf16Bits(x)).toBe(bits);
    expect(f32ToBf16(Float32Array.of(x))[0]).toBe(bits);
  });

  test('NaN payloads: a signalling NaN is quietened and keeps its sign and top payload bits', () => {
    const snan = new Float32Array(Uint32Array.of(0xff800001, 0x7fa00000).buffer);
    expect([...f32ToBf16(snan)]).toEqual([0xffc0, 0x7fe0]);
    expect([...f32ToF16(snan)]).toEqual([0xfe00, 0x7f00]);
  });

  test('scalar decoders match the array decoders', () => {
    expect(f16BitsToNumber(0x7bff)).toBe(65504);
    expect(f16BitsToNumber(0x0001)).toBe(2 ** -24);
    expect(Object.is(f16BitsToNumber(0x8000), -0)).toBe(true);
    expect(bf16BitsToNumber(0x3f80)).toBe(1);
    expect(bf16BitsToNumber(0xff80)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('out parameter', () => {
  test('converts into a caller-provided view (a subarray of a larger buffer)', () => {
    const big = new Float32Array(6).fill(7);
    bf16ToF32(Uint16Array.of(0x3f80, 0xc000), big.subarray(2, 4));
    expect([...big]).toEqual([7, 7, 1, -2, 7, 7]);
    const f16out = new Uint16Array(4);
    f32ToF16(Float32Array.of(1, -2), f16out.subarray(1, 3));
    expect([...f16out]).toEqual([0, 0x3c00, 0xc000, 0]);
  });

  test('a length mismatch is a RangeError naming the function and both lengths', () => {
    expect(() => f16ToF32(new Uint16Array(3), new Float32Array(2))).toThrow(
      'f16ToF32: expected out of length 3, got 2',
    );
    expect(() => f32ToBf16(new Float32Array(1), new Uint16Array(2))).toThrow(RangeError);
  });

  test('f64ToF32 rounds like Math.fround', () => {
    const rng = makeRng(3);
    const xs = Float64Array.from({ length: 1000 }, () => rng.normal() * 10 ** rng.uniform(-40, 40));
    const got = f64ToF32(xs);
    expect(mismatches(xs.length, (i) => (got[i] === Math.fround(xs[i]!) ? undefined : `${xs[i]}`))).toEqual(
      [],
    );
  });
});

interface TorchGolden {
  torch_version: string;
  count: number;
  f32_bits: number[];
  bf16_bits: number[];
  f16_bits: number[];
}

describe('PyTorch golden (fixtures/dtype-torch.json, written by fixtures/dtype-torch.py)', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const golden = JSON.parse(readFileSync(join(here, '../fixtures/dtype-torch.json'), 'utf8')) as TorchGolden;
  const xs = new Float32Array(Uint32Array.from(golden.f32_bits).buffer);

  test.each([
    ['bf16', f32ToBf16, golden.bf16_bits, isBf16NaN],
    ['f16', f32ToF16, golden.f16_bits, isF16NaN],
  ] as const)(
    `torch .to(%s) agrees bit for bit on ${golden.count} tricky f32 values`,
    (_name, convert, want, isNaN16) => {
      expect(xs.length).toBe(golden.count);
      expect(want.length).toBe(golden.count);
      const got = convert(xs);
      const bad: string[] = [];
      for (let i = 0; i < xs.length; i++) {
        // torch's scalar and vectorised paths canonicalise NaN differently: a NaN result only has to be a NaN
        const ok = Number.isNaN(xs[i]!) ? isNaN16(got[i]!) && isNaN16(want[i]!) : got[i] === want[i];
        if (!ok)
          bad.push(
            `x=${xs[i]} (0x${golden.f32_bits[i]!.toString(16)}): got 0x${got[i]!.toString(16)}, torch 0x${want[i]!.toString(16)}`,
          );
      }
      expect(bad.slice(0, 5)).toEqual([]);
    },
  );
});

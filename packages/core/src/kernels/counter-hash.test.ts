import { describe, expect, test } from 'vitest';
import { counterHash, counterUniform, dropThreshold, lowbias32 } from './counter-hash.js';

// lowbias32 as Chris Wellons publishes it (hash-prospector), in exact u32 arithmetic with BigInt: an independent
// re-implementation, sharing no code (and no Math.imul) with the one under test.
const U32 = 0xffffffffn;
function lowbias32Big(value: number): number {
  let x = BigInt(value) & U32;
  x ^= x >> 16n;
  x = (x * 0x21f0aaadn) & U32;
  x ^= x >> 15n;
  x = (x * 0x735a2d97n) & U32;
  x ^= x >> 15n;
  return Number(x);
}
const counterHashBig = (seed: number, index: number): number =>
  lowbias32Big(Number(BigInt(lowbias32Big(seed)) ^ (BigInt(index) & U32)));

const popcount = (x: number): number => {
  let count = 0;
  for (let v = x >>> 0; v !== 0; v >>>= 1) count += v & 1;
  return count;
};

const N = 100_000;
const SEEDS = [0, 1, 2, 42, 0x7fffffff, 0x80000000, 0xffffffff];

describe('lowbias32', () => {
  test.each([
    0, 1, 2, 3, 0xff, 0x100, 0x12345678, 0x7fffffff, 0x80000000, 0xdeadbeef, 0xfffffffe, 0xffffffff,
  ])('lowbias32(%i) equals the published definition computed in BigInt', (x) => {
    expect(lowbias32(x)).toBe(lowbias32Big(x));
  });

  test('equals the BigInt definition on 10⁴ spread inputs, always as an unsigned 32-bit integer', () => {
    for (let i = 0; i < 10_000; i++) {
      const x = Math.imul(i, 0x9e3779b9) >>> 0;
      const h = lowbias32(x);
      expect(h).toBe(lowbias32Big(x));
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });

  test('0 is its fixed point (so counterHash(0, i) = lowbias32(i))', () => {
    expect(lowbias32(0)).toBe(0);
    expect(counterHash(0, 12345)).toBe(lowbias32(12345));
  });
});

describe('counterHash', () => {
  test.each(SEEDS)('seed %i: equals lowbias32(lowbias32(seed) xor index) in BigInt', (seed) => {
    for (const index of [0, 1, 2, 3, 1000, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1]) {
      expect(counterHash(seed, index)).toBe(counterHashBig(seed, index));
    }
    for (let index = 0; index < 2000; index++)
      expect(counterHash(seed, index)).toBe(counterHashBig(seed, index));
  });

  test('is deterministic: the same (seed, index) gives the same value in any order', () => {
    const forward = Array.from({ length: 1000 }, (_, i) => counterHash(7, i));
    const backward = Array.from({ length: 1000 }, (_, i) => counterHash(7, 999 - i)).reverse();
    expect(backward).toEqual(forward);
  });

  test.each(SEEDS)('seed %i: distinct indices give distinct values (a bijection of the index)', (seed) => {
    const seen = new Set<number>();
    for (let i = 0; i < N; i++) seen.add(counterHash(seed, i));
    expect(seen.size).toBe(N);
  });

  test.each([
    [0, 1],
    [1, 2],
    [41, 42],
    [0x7fffffff, 0x80000000],
    [0xffffffff, 0],
  ])('seeds %i and %i give unrelated streams', (a, b) => {
    let equal = 0;
    let flipped = 0;
    for (let i = 0; i < 10_000; i++) {
      const [ha, hb] = [counterHash(a, i), counterHash(b, i)];
      if (ha === hb) equal++;
      flipped += popcount(ha ^ hb);
    }
    expect(equal).toBe(0); // 10⁴ · 2⁻³² expected
    expect(Math.abs(flipped / 10_000 - 16)).toBeLessThan(0.2); // σ of the mean ≈ 2.83 / 100
  });

  test('neighbouring indices decorrelate: about 16 of 32 bits differ (avalanche)', () => {
    let flipped = 0;
    for (let i = 0; i < N; i++) flipped += popcount(counterHash(3, i) ^ counterHash(3, i + 1));
    expect(Math.abs(flipped / N - 16)).toBeLessThan(0.05); // σ of the mean ≈ 2.83 / 316 ≈ 0.009
  });

  test.each([0, 1, 1234567])(
    'seed %i: every output bit is set about half the time over 10⁵ indices',
    (seed) => {
      const ones = new Array<number>(32).fill(0);
      for (let i = 0; i < N; i++) {
        const h = counterHash(seed, i);
        for (let bit = 0; bit < 32; bit++) ones[bit]! += (h >>> bit) & 1;
      }
      const sigma = Math.sqrt(N) / 2; // binomial(N, ½)
      for (let bit = 0; bit < 32; bit++)
        expect(Math.abs(ones[bit]! - N / 2), `bit ${bit}`).toBeLessThan(5 * sigma);
    },
  );
});

describe('counterUniform', () => {
  test('is (counterHash >>> 8) / 2²⁴: in [0, 1), exact in float32, a multiple of 2⁻²⁴', () => {
    for (let i = 0; i < 10_000; i++) {
      const u = counterUniform(9, i);
      expect(u).toBe(Math.floor(counterHashBig(9, i) / 256) / 2 ** 24);
      expect(u >= 0 && u < 1).toBe(true);
      expect(Math.fround(u)).toBe(u);
      expect(Number.isInteger(u * 2 ** 24)).toBe(true);
    }
  });

  test.each([0, 5, 0xffffffff])('seed %i: 10⁵ draws have mean ½ and variance 1/12 within a few σ', (seed) => {
    let [sum, sumSq, lag] = [0, 0, 0];
    let previous = counterUniform(seed, 0) - 0.5;
    for (let i = 0; i < N; i++) {
      const u = counterUniform(seed, i);
      sum += u;
      sumSq += u * u;
      if (i > 0) lag += (u - 0.5) * previous;
      previous = u - 0.5;
    }
    const mean = sum / N;
    const variance = sumSq / N - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / N)); // σ ≈ 9.1e-4
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(4 * Math.sqrt(1 / 180 / N)); // Var((u − ½)²) = 1/80 − 1/144 = 1/180
    expect(Math.abs(lag / (N - 1) / (1 / 12))).toBeLessThan(4 / Math.sqrt(N)); // lag-1 correlation ≈ 0
  });

  test('falls evenly into 16 bins (χ² with 15 degrees of freedom)', () => {
    const bins = new Array<number>(16).fill(0);
    for (let i = 0; i < N; i++) bins[Math.floor(counterUniform(77, i) * 16)]!++;
    const expected = N / 16;
    const chi2 = bins.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(37.7); // the 0.999 quantile of χ²(15)
  });
});

describe('dropThreshold', () => {
  test.each([
    { p: 0, threshold: 0 }, // every u32 hash ≥ 0: p = 0 keeps everything
    { p: 1e-12, threshold: 0 },
    { p: 2 ** -32, threshold: 1 },
    { p: 0.25, threshold: 2 ** 30 },
    { p: 0.5, threshold: 2 ** 31 },
    { p: 0.75, threshold: 3 * 2 ** 30 },
    { p: 0.1, threshold: 429496729 }, // ⌊0.1 · 2³²⌋ = ⌊429496729.6⌋
    { p: 1 - 2 ** -32, threshold: 0xffffffff }, // only the hash 2³² − 1 survives
    { p: 1 - 2 ** -40, threshold: 0xffffffff },
    { p: 1, threshold: 0xffffffff }, // clamped to the u32 range, not 2³²
  ])('p $p → $threshold', ({ p, threshold }) => {
    expect(dropThreshold(p)).toBe(threshold);
  });

  test('threshold / 2³² ≤ p < threshold / 2³² + 2⁻³² over [0, 1)', () => {
    for (let k = 0; k < 1000; k++) {
      const p = k / 1000;
      const t = dropThreshold(p);
      expect(Number.isInteger(t) && t >= 0 && t <= 0xffffffff).toBe(true);
      expect(t / 2 ** 32).toBeLessThanOrEqual(p);
      expect(t / 2 ** 32).toBeGreaterThan(p - 2 ** -32);
    }
  });
});

import { makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { KernelArgumentError } from '../check.js';
import { counterHash, counterUniform } from '../counter-hash.js';
import { dropout, uniformNoise } from './random.js';

const rng = makeRng(53);
/** float32 values in ±(0.5 … 2.5), never 0, so a dropped element (0) is told apart from a kept one. */
const nonZero = (n: number): Float32Array =>
  Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1) * (0.5 + 2 * rng.next()));

function runDropout(x: Float32Array, p: number, seed: number): Float32Array {
  const out = new Float32Array(x.length);
  dropout({ x, out, n: x.length, p, seed });
  return out;
}

const kept = (out: Float32Array): boolean[] => Array.from(out, (v) => v !== 0);
const agreement = (a: boolean[], b: boolean[]): number => a.filter((v, i) => v === b[i]).length / a.length;

const N = 100_000;

describe('dropout (reference)', () => {
  test.each([
    { p: 0.01, seed: 0 },
    { p: 0.1, seed: 1 },
    { p: 0.3, seed: 0xdeadbeef },
    { p: 0.5, seed: 7 },
    { p: 0.9, seed: 0xffffffff },
  ])('p $p, seed $seed: keeps 1 − p of 10⁵ elements within 4 binomial σ', ({ p, seed }) => {
    const count = kept(runDropout(nonZero(N), p, seed)).filter(Boolean).length;
    const sigma = Math.sqrt(N * p * (1 - p));
    expect(Math.abs(count - N * (1 - p))).toBeLessThan(4 * sigma);
  });

  test.each([0.1, 0.2, 0.5, 0.7, 1 / 3])(
    'p %f: a kept value is x · f32(1 / (1 − p)) rounded to float32, a dropped one exactly 0',
    (p) => {
      const x = nonZero(4096);
      const out = runDropout(x, p, 11);
      const keepScale = Math.fround(1 / (1 - p));
      let keptCount = 0;
      for (let i = 0; i < x.length; i++) {
        if (out[i] === 0) continue;
        keptCount++;
        expect(out[i], `element ${i}`).toBe(Math.fround(x[i]! * keepScale));
      }
      expect(keptCount).toBeGreaterThan(0);
      expect(keptCount).toBeLessThan(x.length);
    },
  );

  test('element i is kept exactly when counterHash(seed, i) ≥ p · 2³²', () => {
    const [p, seed] = [0.4, 99];
    const mask = kept(runDropout(nonZero(20_000), p, seed));
    const expected = mask.map((_, i) => counterHash(seed, i) >= p * 2 ** 32);
    expect(mask).toEqual(expected);
  });

  test('the threshold is inclusive: a hash equal to p · 2³² is kept, one below it dropped', () => {
    const [seed, i] = [0, 1000];
    const hash = counterHash(seed, i);
    const x = nonZero(i + 1);
    expect(runDropout(x, hash / 2 ** 32, seed)[i]).not.toBe(0);
    expect(runDropout(x, (hash + 1) / 2 ** 32, seed)[i]).toBe(0);
  });

  test('p = 0 keeps even the element whose hash is 0 (seed 0, index 0)', () => {
    expect(counterHash(0, 0)).toBe(0);
    expect(runDropout(Float32Array.from([3, 4]), 0, 0)[0]).toBe(3);
  });

  test('p = 0 returns x unchanged, bit for bit', () => {
    const x = nonZero(1000);
    x[3] = 0;
    x[4] = -0;
    expect(Array.from(runDropout(x, 0, 5))).toEqual(Array.from(x));
  });

  test('the same seed draws the same mask whatever the values (so the backward is the same call)', () => {
    const [a, b] = [runDropout(nonZero(N), 0.25, 1234), runDropout(nonZero(N), 0.25, 1234)];
    expect(kept(a)).toEqual(kept(b));
  });

  test.each([
    [1, 2],
    [0, 1],
    [0x80000000, 0x7fffffff],
  ])('seeds %i and %i draw independent masks (agreement ≈ p² + (1 − p)²)', (s1, s2) => {
    const p = 0.5;
    const x = nonZero(N);
    const a = agreement(kept(runDropout(x, p, s1)), kept(runDropout(x, p, s2)));
    expect(Math.abs(a - (p * p + (1 - p) ** 2))).toBeLessThan(4 * Math.sqrt(0.25 / N));
  });

  test('in place (out aliasing x) equals out-of-place', () => {
    const x = nonZero(5000);
    const expected = runDropout(x, 0.35, 77);
    dropout({ x, out: x, n: x.length, p: 0.35, seed: 77 });
    expect(Array.from(x)).toEqual(Array.from(expected));
  });

  test('touches only the first n elements of out', () => {
    const x = nonZero(10);
    const out = new Float32Array(12).fill(9);
    dropout({ x, out, n: 8, p: 0.5, seed: 3 });
    expect(Array.from(out.subarray(8))).toEqual([9, 9, 9, 9]);
  });

  test.each([
    [{ p: 1 }, /dropout: p expected \[0, 1\), got 1/],
    [{ p: -0.1 }, /dropout: p expected \[0, 1\), got -0.1/],
    [{ p: Number.NaN }, /dropout: p expected \[0, 1\), got NaN/],
    [{ seed: -1 }, /dropout: seed expected an unsigned 32-bit integer, got -1/],
    [{ seed: 2 ** 32 }, /dropout: seed expected an unsigned 32-bit integer, got 4294967296/],
    [{ seed: 1.5 }, /dropout: seed expected an unsigned 32-bit integer, got 1.5/],
    [{ n: 5 }, /dropout: x \(n\) expected at least 5 elements, got 4/],
    [{ out: new Float32Array(3) }, /dropout: out \(n\) expected at least 4 elements, got 3/],
  ])('rejects %o', (bad, message) => {
    const args = { x: new Float32Array(4), out: new Float32Array(4), n: 4, p: 0.1, seed: 0, ...bad };
    expect(() => dropout(args)).toThrow(KernelArgumentError);
    expect(() => dropout(args)).toThrow(message);
  });
});

describe('uniformNoise (reference)', () => {
  function noise(n: number, magnitude: number, seed: number): Float32Array {
    const x = new Float32Array(n);
    uniformNoise({ x, n, magnitude, seed });
    return x;
  }

  test.each([
    { magnitude: 1, seed: 0 },
    { magnitude: 0.05, seed: 17 },
    { magnitude: 5 / Math.sqrt(128 * 64), seed: 0xabcdef }, // NEFTune α = 5, L = 128, d = 64
  ])('magnitude $magnitude: noise stays in ±magnitude and spans it, mean ≈ 0', ({ magnitude, seed }) => {
    const x = noise(N, magnitude, seed);
    let [sum, min, max] = [0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const v of x) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const bound = Math.fround(magnitude);
    expect(min).toBeGreaterThanOrEqual(-bound);
    expect(max).toBeLessThanOrEqual(bound);
    expect(min).toBeLessThan(-0.999 * bound);
    expect(max).toBeGreaterThan(0.999 * bound);
    // uniform on ±m: variance m²/3
    expect(Math.abs(sum / N)).toBeLessThan(4 * bound * Math.sqrt(1 / 3 / N));
  });

  test('adds f32((2u − 1) · f32(magnitude)), u = counterUniform(seed, i), to x in float32', () => {
    const [magnitude, seed] = [0.1, 4242];
    const x = new Float32Array(10_000);
    x.set(nonZero(5000), 5000); // zeros first: there the sum adds no rounding of its own
    const before = x.slice();
    uniformNoise({ x, n: x.length, magnitude, seed });
    const m = Math.fround(magnitude);
    for (let i = 0; i < x.length; i++) {
      const delta = Math.fround((2 * counterUniform(seed, i) - 1) * m);
      expect(x[i], `element ${i}`).toBe(Math.fround(before[i]! + delta));
    }
  });

  test('the same seed adds the same noise; another seed adds different noise', () => {
    const [a, b, c] = [noise(1000, 1, 8), noise(1000, 1, 8), noise(1000, 1, 9)];
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a).filter((v, i) => v === c[i]).length).toBe(0);
  });

  test('magnitude 0 leaves x unchanged; only the first n elements move', () => {
    const x = nonZero(20);
    const before = Array.from(x);
    uniformNoise({ x, n: 20, magnitude: 0, seed: 1 });
    expect(Array.from(x)).toEqual(before);
    uniformNoise({ x, n: 10, magnitude: 1, seed: 1 });
    expect(Array.from(x.subarray(10))).toEqual(before.slice(10));
    expect(Array.from(x.subarray(0, 10))).not.toEqual(before.slice(0, 10));
  });

  test.each([
    [{ magnitude: Number.NaN }, /uniformNoise: magnitude expected a finite number, got NaN/],
    [
      { magnitude: Number.POSITIVE_INFINITY },
      /uniformNoise: magnitude expected a finite number, got Infinity/,
    ],
    [{ seed: -3 }, /uniformNoise: seed expected an unsigned 32-bit integer, got -3/],
    [{ n: 9 }, /uniformNoise: x \(n\) expected at least 9 elements, got 8/],
  ])('rejects %o', (bad, message) => {
    const args = { x: new Float32Array(8), n: 8, magnitude: 1, seed: 0, ...bad };
    expect(() => uniformNoise(args)).toThrow(KernelArgumentError);
    expect(() => uniformNoise(args)).toThrow(message);
  });
});

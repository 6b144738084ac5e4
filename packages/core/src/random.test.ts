import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createPrng, shuffledIndices, streamSeed, uniformStream } from './random.js';

// Golden values from fixtures/prng-golden.py, an independent Python implementation that first checks its
// xoshiro128** core against the reference C code.
interface Golden {
  uint32: Record<string, number[]>;
  int: Record<string, [number, number][]>;
  shuffled: Record<string, number[]>;
  shuffled1000Seed3First20: number[];
}
const golden = JSON.parse(
  readFileSync(new URL('../fixtures/prng-golden.json', import.meta.url), 'utf8'),
) as Golden;

describe('createPrng', () => {
  test.each(Object.entries(golden.uint32))('seed %s draws the Python sequence', (seed, expected) => {
    const rng = createPrng(Number(seed));
    expect(expected.map(() => rng.nextUint32())).toEqual(expected);
  });

  test.each(Object.entries(golden.int))('seed %s int(n) matches, including rejected draws', (seed, draws) => {
    const rng = createPrng(Number(seed));
    for (const [n, value] of draws) expect(rng.int(n), `int(${n})`).toBe(value);
  });

  test.each([-1, 1.5, 2 ** 32, Number.NaN])('rejects seed %s', (seed) => {
    expect(() => createPrng(seed)).toThrow(RangeError);
    expect(() => createPrng(seed)).toThrow(/expected an integer seed in \[0, 2\^32\)/);
  });
});

describe('shuffledIndices', () => {
  test.each(Object.entries(golden.shuffled))('n:seed %s matches Python', (key, expected) => {
    const [n, seed] = key.split(':').map(Number) as [number, number];
    expect(Array.from(shuffledIndices(n, seed))).toEqual(expected);
  });

  test('a large permutation is a permutation and matches Python at the front', () => {
    const order = shuffledIndices(1000, 3);
    expect(Array.from(order.subarray(0, 20))).toEqual(golden.shuffled1000Seed3First20);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  test('rejects a negative or fractional n', () => {
    expect(() => shuffledIndices(-1, 0)).toThrow(/expected a count n/);
    expect(() => shuffledIndices(2.5, 0)).toThrow(RangeError);
  });
});

describe('saved state and streams', () => {
  test('a generator resumed from its state continues the same sequence', () => {
    const a = createPrng(7);
    for (let i = 0; i < 5; i++) a.nextUint32();
    const b = createPrng(0, a.state());
    expect([1, 2, 3].map(() => b.nextUint32())).toEqual([1, 2, 3].map(() => a.nextUint32()));
  });
  test('a bad state is refused', () => {
    expect(() => createPrng(1, [0, 0, 0, 0])).toThrow(/four uint32 words, not all zero/);
    expect(() => createPrng(1, [1, 2, 3])).toThrow(RangeError);
  });
  test('streams of one seed are distinct and reproducible', () => {
    expect(streamSeed(5, 0)).not.toBe(streamSeed(5, 1));
    expect(streamSeed(2 ** 40 + 3, 2)).toBe(streamSeed(2 ** 40 + 3, 2));
    const u = uniformStream(9, 1);
    const v = uniformStream(9, 1);
    const draws = [u(), u(), u()];
    expect([v(), v(), v()]).toEqual(draws);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

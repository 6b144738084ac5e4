import { uniformStream } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { sampleIndex } from './sampling.js';

const X = Number.NEGATIVE_INFINITY;
const draws = (rng: () => number, n: number) => Array.from({ length: n }, rng);

describe('uniformStream (per-row sampling streams)', () => {
  test('the same seed and stream give the same numbers, in [0, 1)', () => {
    const a = draws(uniformStream(42, 3), 1000);
    expect(draws(uniformStream(42, 3), 1000)).toEqual(a);
    expect(a.every((u) => u >= 0 && u < 1)).toBe(true);
    const mean = a.reduce((s, u) => s + u, 0) / a.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03); // 1000 uniforms: sd of the mean 0.009
  });

  test.each([
    { name: 'another stream', a: [7, 0], b: [7, 1] },
    { name: 'another seed', a: [7, 0], b: [8, 0] },
    { name: 'seeds differing above 32 bits', a: [1, 0], b: [2 ** 32 + 1, 0] },
  ])('$name gives different numbers', ({ a, b }) => {
    expect(draws(uniformStream(a[0]!, a[1]), 8)).not.toEqual(draws(uniformStream(b[0]!, b[1]), 8));
  });
});

describe('sampleIndex: inverse CDF of softmax(scores)', () => {
  // probabilities 0.1 0.2 0.3 0.4: bins [0, .1) [.1, .3) [.3, .6) [.6, 1)
  const scores = [0.1, 0.2, 0.3, 0.4].map(Math.log);
  test.each([
    { u: 0, expected: 0 },
    { u: 0.05, expected: 0 },
    { u: 0.15, expected: 1 },
    { u: 0.31, expected: 2 },
    { u: 0.59, expected: 2 },
    { u: 0.61, expected: 3 },
    { u: 0.999999, expected: 3 },
  ])('u=$u → $expected', ({ u, expected }) => {
    expect(sampleIndex(scores, u)).toBe(expected);
  });

  test('never draws a −∞ token, even at the edges', () => {
    const filtered = [X, 0, X, 0, X];
    expect([0, 0.49, 0.51, 0.999999999].map((u) => sampleIndex(filtered, u))).toEqual([1, 1, 3, 3]);
  });

  test('seeded draws follow the distribution', () => {
    const rng = uniformStream(2024);
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleIndex(scores, rng())]!++;
    // each frequency within 4 standard deviations (each ≤ 0.0035) of its probability
    for (const [i, c] of counts.entries()) expect(Math.abs(c / n - (i + 1) / 10)).toBeLessThan(0.014);
  });
});

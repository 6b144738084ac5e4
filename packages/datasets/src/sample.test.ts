import { describe, expect, test } from 'vitest';
import { shuffledIndices } from '@lora/core';
import { sampleIndices } from './sample.js';

describe('sampleIndices', () => {
  test('undefined keeps every example in order', () => {
    expect(sampleIndices(4, undefined, 1)).toEqual([0, 1, 2, 3]);
  });

  test('a count takes the first picks of the seeded permutation', () => {
    expect(sampleIndices(10, 3, 42)).toEqual(Array.from(shuffledIndices(10, 42).subarray(0, 3)));
  });

  test.each([
    [10, 0.25, 3], // round(2.5) = 3 (half away from zero, as Math.round does for positives)
    [10, 0.5, 5],
    [7, 0.1, 1],
  ])('n=%i fraction %f → %i examples', (n, fraction, count) => {
    const picks = sampleIndices(n, fraction, 5);
    expect(picks).toHaveLength(count);
    expect(new Set(picks).size).toBe(count);
  });

  test('a count above the size repeats whole passes, then adds seeded picks without repeats', () => {
    const picks = sampleIndices(4, 10, 9);
    expect(picks.slice(0, 8)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(picks.slice(8)).toEqual(Array.from(shuffledIndices(4, 9).subarray(0, 2)));
  });

  test.each([
    [10, 0, /expected a count \(integer >= 1\) or a fraction in \(0, 1\), got number 0/],
    [10, 1.5, /got number 1\.5/],
    [10, -3, /got number -3/],
    [10, 0.01, /expected to select at least one of 10 examples, got 0 for sample 0\.01/],
    [0, 5, /expected to select at least one of 0 examples/],
  ])('n=%i sample=%f is rejected', (n, sample, message) => {
    expect(() => sampleIndices(n, sample, 1)).toThrow(message);
  });
});

import { createPrng } from '@lora/datasets';
import { describe, expect, test } from 'vitest';
import { TrainerConfigError } from './errors.js';
import { createRng } from './rng.js';

describe('createRng (xoshiro128**)', () => {
  test('from state [1, 2, 3, 4] it yields the reference outputs 11520, 0, 5927040', () => {
    // worked by hand from Blackman & Vigna's xoshiro128** (result = rotl(s1 · 5, 7) · 9, then the state update)
    const rng = createRng(0, [1, 2, 3, 4]);
    expect([rng.next(), rng.next(), rng.next()].map((x) => x * 2 ** 32)).toEqual([11520, 0, 5927040]);
  });

  test('seeded, it draws the same stream as @lora/datasets createPrng (an independent implementation)', () => {
    const ours = createRng(1234);
    const theirs = createPrng(1234);
    for (let i = 0; i < 1000; i++) expect(ours.next() * 2 ** 32).toBe(theirs.nextUint32());
  });

  test('state() then createRng(seed, state) continues exactly where it was', () => {
    const a = createRng(7);
    for (let i = 0; i < 37; i++) a.next();
    const b = createRng(999, a.state());
    const fromA = Array.from({ length: 50 }, () => a.next());
    const fromB = Array.from({ length: 50 }, () => b.next());
    expect(fromB).toEqual(fromA);
    expect(fromA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  test.each([
    [-1, undefined, /seed: expected an integer in \[0, 2\^32\), got -1/],
    [1.5, undefined, /got 1.5/],
    [0, [0, 0, 0, 0], /four uint32 words, not all zero/],
    [0, [1, 2, 3], /four uint32 words/],
  ])('rejects seed %s state %j', (seed, state, message) => {
    expect(() => createRng(seed, state)).toThrow(TrainerConfigError);
    expect(() => createRng(seed, state)).toThrow(message);
  });
});

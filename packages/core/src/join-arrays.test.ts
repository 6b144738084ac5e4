import { describe, expect, test } from 'vitest';
import { joinArrays } from './join-arrays.js';

describe('joinArrays', () => {
  test('parts in order, views at offsets included, into a new array of the kind asked', () => {
    const pool = Float32Array.of(9, 1, 2, 3, 9);
    const joined = joinArrays(Float32Array, [pool.subarray(1, 3), new Float32Array(0), pool.subarray(3, 4)]);
    expect(joined).toBeInstanceOf(Float32Array);
    expect([...joined]).toEqual([1, 2, 3]);
    expect(joined.buffer).not.toBe(pool.buffer);
  });

  test('no parts: an empty array', () => {
    expect(joinArrays(Uint8Array, [])).toEqual(new Uint8Array(0));
  });
});

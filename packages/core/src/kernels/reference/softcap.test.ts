import { makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64, weightedSum } from '../../gradcheck.js';
import { softcap, softcapBackward } from './softcap.js';

const rng = makeRng(29);

function capped(x: Float64Array, cap: number): Float64Array {
  const out = new Float64Array(x.length);
  softcap({ x: k64(x), out: k64(out), n: x.length, cap });
  return out;
}

describe('softcap (reference)', () => {
  test.each([
    [0, 5, 0],
    [5, 5, 5 * Math.tanh(1)],
    [-1e4, 30, -30],
    [1e-3, 50, 50 * Math.tanh(2e-5)],
  ])('softcap(%d) with cap %d = %d', (x, cap, want) => {
    expect(capped(Float64Array.of(x), cap)[0]).toBe(want);
  });

  test.each([3, 30])('backward from the output matches finite differences (cap %d)', (cap) => {
    const x = Float64Array.from({ length: 41 }, (_, i) => (-2 + 0.1 * i + rng.uniform(-0.05, 0.05)) * cap);
    const dy = Float64Array.from(x, () => rng.normal());
    const y = capped(x, cap);
    const dx = new Float64Array(x.length);
    softcapBackward({ y: k64(y), dy: k64(dy), dx: k64(dx), n: x.length, cap });
    gradcheck(() => weightedSum(capped(x, cap), dy), [{ name: 'dx', value: x, grad: dx }]);
  });

  test('in place: out = x and dx = dy', () => {
    const x = Float64Array.of(-7, 0.5, 12);
    const want = capped(x, 4);
    softcap({ x: k64(x), out: k64(x), n: 3, cap: 4 });
    expect(x).toEqual(want);
    const dy = Float64Array.of(1, 2, 3);
    const dx = new Float64Array(3);
    softcapBackward({ y: k64(x), dy: k64(dy), dx: k64(dx), n: 3, cap: 4 });
    softcapBackward({ y: k64(x), dy: k64(dy), dx: k64(dy), n: 3, cap: 4 });
    expect(dy).toEqual(dx);
  });

  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses cap %d', (cap) => {
    const a = new Float32Array(2);
    expect(() => softcap({ x: a, out: a, n: 2, cap })).toThrow(
      `softcap: cap expected a finite number > 0, got ${cap}`,
    );
  });

  test('names a short array', () => {
    const a = new Float32Array(2);
    expect(() => softcapBackward({ y: a, dy: a, dx: new Float32Array(1), n: 2, cap: 1 })).toThrow(
      'softcapBackward: dx (n) expected at least 2 elements, got 1',
    );
  });
});

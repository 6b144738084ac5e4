import { describe, expect, test } from 'vitest';
import { createDynamicMap } from './dynamic-map.js';
import {
  NEAREST_CODE_BUCKETS,
  nearestCode,
  nearestCodeBuckets,
  nearestCodeFinder,
  scaledToUnit,
} from './nearest-code.js';

/** `count` float32 values spread over [-1, 1], and every one within 3 float32 steps of each code. */
function probes(code: Float32Array, count: number): number[] {
  const out: number[] = [];
  let state = 99;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.push(Math.fround((state / 2 ** 32) * 2 - 1));
  }
  const f = new Float32Array(1);
  const bits = new Int32Array(f.buffer);
  for (const v of code) {
    f[0] = v;
    const start = bits[0]!;
    for (let d = -3; d <= 3; d++) {
      bits[0] = start + d;
      if (f[0]! >= -1 && f[0]! <= 1) out.push(f[0]!);
    }
  }
  return out;
}

describe('nearestCodeFinder on tables with codes closer than 2⁻²⁰ (binary search keeping the ties)', () => {
  test('three codes at one float32 distance from x: the lowest table index wins, not the nearest value', () => {
    // |0.25 − v| rounds to 0.25 in float32 for v = 0, 2⁻³⁰ and 2⁻²⁹: a three-way tie the scan breaks by index, and
    // the winner (0, index 1) is not a neighbour of x in the sorted table (2⁻²⁹ is)
    const code = Float32Array.from([0.75, 0, -1, 2 ** -30, 2 ** -29]);
    const finder = nearestCodeFinder(code);
    expect(nearestCode(0.25, code)).toBe(1);
    expect(finder(0.25)).toBe(1);
    for (const x of [-0.5, 0, -0, 2 ** -31, 0.5, 1]) expect(finder(x)).toBe(nearestCode(x, code));
  });

  test("the 8-bit dynamic map: the scan's index at 100,000 values and around every code", () => {
    const map = createDynamicMap();
    const finder = nearestCodeFinder(map);
    for (const x of probes(map, 100_000))
      if (finder(x) !== nearestCode(x, map)) expect([x, finder(x)]).toEqual([x, nearestCode(x, map)]);
  });

  test('such a table has no bucket table (every bucket −1); a spaced one has few boundary buckets', () => {
    expect(nearestCodeBuckets(createDynamicMap()).every((b) => b === -1)).toBe(true);
    const spaced = nearestCodeBuckets(Float32Array.from({ length: 16 }, (_, i) => (i - 7.5) / 7.5));
    expect(spaced).toHaveLength(NEAREST_CODE_BUCKETS + 1);
    expect(spaced.filter((b) => b === -1).length).toBeLessThan(32);
  });
});

describe('scaledToUnit', () => {
  test('value · inv rounded to float32, clamped to [-1, 1], and 0 for an all-zero block (0 · ∞)', () => {
    expect(scaledToUnit(0.1, 3)).toBe(Math.fround(0.1 * 3));
    expect(scaledToUnit(0.1, 3)).not.toBe(0.1 * 3);
    expect(scaledToUnit(2, 1)).toBe(1);
    expect(scaledToUnit(-2, 1)).toBe(-1);
    expect(scaledToUnit(0, Number.POSITIVE_INFINITY)).toBe(0);
    expect(scaledToUnit(-0.5, 2)).toBe(-1);
  });
});

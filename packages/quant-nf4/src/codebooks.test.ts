import { describe, expect, test } from 'vitest';
import { FP4_CODE, NF4_CODE, createDynamicMap, nearestCode, nearestCodeFinder } from './codebooks.js';

/** the float32 values next to x, `steps` either side (x included) */
function neighbours(x: number, steps: number): number[] {
  const f = new Float32Array(1);
  const bits = new Int32Array(f.buffer);
  f[0] = x;
  const out: number[] = [];
  const start = bits[0]!;
  for (let d = -steps; d <= steps; d++) {
    bits[0] = x > 0 || Object.is(x, 0) ? start + d : start - d;
    if (Number.isFinite(f[0]!)) out.push(f[0]!);
  }
  return out;
}

describe.each([
  ['NF4', NF4_CODE],
  ['FP4 (0 and −0 both in the table)', FP4_CODE],
  ['a shuffled table with a repeated value', Float32Array.from([0.5, -1, 0.25, 0.5, 1, -0.25, 0, -0.5])],
])('nearestCodeFinder on %s equals nearestCode (torch.argmin, first on ties)', (_, code) => {
  const finder = nearestCodeFinder(code);
  test('within 64 float32 steps of every midpoint between two codes, and of every code', () => {
    const sorted = [...code].sort((a, b) => a - b);
    const points = sorted.flatMap((v, i) => [v, i > 0 ? (v + sorted[i - 1]!) / 2 : v]);
    for (const point of [...points, -1, 1, 0, -0]) {
      for (const x of neighbours(Math.fround(point), 64)) {
        if (x < -1 || x > 1) continue;
        expect([x, finder(x)]).toEqual([x, nearestCode(x, code)]);
      }
    }
  });
  test("NaN gives the scan's answer", () => expect(finder(Number.NaN)).toBe(nearestCode(Number.NaN, code)));
  test('on 200,000 values spread over [-1, 1]', () => {
    let state = 12345;
    for (let i = 0; i < 200_000; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const x = Math.fround((state / 2 ** 32) * 2 - 1);
      if (finder(x) !== nearestCode(x, code)) expect([x, finder(x)]).toEqual([x, nearestCode(x, code)]);
    }
  });
});

test('a table with codes closer than 2^-20 (the 8-bit dynamic map near 0) is scanned, and agrees', () => {
  const map = createDynamicMap();
  const finder = nearestCodeFinder(map);
  for (const v of map)
    for (const x of neighbours(v, 3)) if (x >= -1 && x <= 1) expect(finder(x)).toBe(nearestCode(x, map));
});

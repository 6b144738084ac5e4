import { makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { swapMiddle } from './buffers.js';
import { fromHeadMajor, rowSegments, segmentRuns, toHeadMajor } from './segments.js';
import { host } from './test-support.test-support.js';

/** (A, B, C, D) → (A, C, B, D) by index arithmetic: the oracle for the strided-copy transposes. */
function swapMiddleLoop(x: Float32Array, a: number, b: number, c: number, d: number): Float32Array {
  const out = new Float32Array(a * b * c * d);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      for (let k = 0; k < c; k++)
        for (let l = 0; l < d; l++) out[((i * c + k) * b + j) * d + l] = x[((i * b + j) * c + k) * d + l]!;
  return out;
}

describe('segmentRuns', () => {
  test.each([
    {
      label: 'one segment per row: one run, B·H·T² scores',
      segments: rowSegments(3, 4),
      runs: [{ row: 0, count: 3, length: 4, scoreOffset: 0 }],
      scoreSize: 3 * 2 * 16,
    },
    {
      label: 'packed: equal neighbours share a run; H·ΣL² scores',
      segments: [
        { start: 0, length: 3 },
        { start: 3, length: 2 },
        { start: 5, length: 2 },
        { start: 7, length: 3 },
      ],
      runs: [
        { row: 0, count: 1, length: 3, scoreOffset: 0 },
        { row: 3, count: 2, length: 2, scoreOffset: 18 },
        { row: 7, count: 1, length: 3, scoreOffset: 34 },
      ],
      scoreSize: 2 * (9 + 4 + 4 + 9),
    },
  ])('$label', ({ segments, runs, scoreSize }) => {
    expect(segmentRuns(segments, 2)).toEqual({ runs, scoreSize });
  });
});

describe('toHeadMajor / fromHeadMajor', () => {
  const [H, D] = [3, 2];
  const rng = makeRng(1);
  const x = Float32Array.from({ length: 10 * H * D }, () => rng.normal()); // (N, H, D)

  test('one segment per row is (B, T, H, D) → (B, H, T, D)', () => {
    const got = host(toHeadMajor(x, rowSegments(2, 5), H, D, new Float32Array(x.length)));
    expect(Array.from(got)).toEqual(Array.from(swapMiddleLoop(x, 2, 5, H, D)));
    expect(Array.from(host(swapMiddle(x, 2, 5, H, D)))).toEqual(Array.from(got));
  });

  test('packed segments: each block is its rows transposed; fromHeadMajor inverts it', () => {
    const segments = [
      { start: 0, length: 4 },
      { start: 4, length: 1 },
      { start: 5, length: 5 },
    ];
    const heads = host(toHeadMajor(x, segments, H, D, new Float32Array(x.length)));
    const s = segments[2]!;
    const block = heads.subarray(s.start * H * D, (s.start + s.length) * H * D); // (H, L, D)
    expect(Array.from(block)).toEqual(
      Array.from(
        swapMiddleLoop(x.subarray(s.start * H * D, (s.start + s.length) * H * D), 1, s.length, H, D),
      ),
    );
    expect(Array.from(host(fromHeadMajor(heads, segments, H, D, new Float32Array(x.length))))).toEqual(
      Array.from(x),
    );
  });
});

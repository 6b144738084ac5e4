import { describe, expect, test } from 'vitest';
import { rowsPerArray } from './row-split.js';

describe('rowsPerArray', () => {
  test.each([
    // rows, cols, limit, align → rows per array
    [40, 8, undefined, 1, 40], // no limit: one array
    [40, 8, 4 * 40 * 8, 1, 40], // fits exactly: one array
    [40, 8, 400, 1, 12], // ⌊400 / 32⌋
    [40, 8, 400, 5, 10], // whole chunks of 5
    [40, 8, 400, 16, 12], // a chunk larger than an array: the rows that fit
    [40, 8, 31, 1, 0], // one row of 32 B does not fit
    [151_936, 1536, 128 * 2 ** 20, 8192, 16_384], // Qwen2.5-1.5B's embedding, WebGPU's default limit, chunks of 8192
    [151_936, 1536, 128 * 2 ** 20, 1, 21_845],
  ])('%i × %i under %s B, chunks of %i: %i rows per array', (rows, cols, limit, align, expected) => {
    expect(rowsPerArray(rows, cols, limit, align)).toBe(expected);
  });
});

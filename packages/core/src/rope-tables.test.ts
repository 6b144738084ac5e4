import { describe, expect, test } from 'vitest';
import { ropeTables } from './rope-tables.js';

describe('ropeTables', () => {
  test('position 0 is the identity rotation, and dim pair i turns at θ^(-2i/d) rad per position', () => {
    const { cos, sin } = ropeTables({ positions: 3, rotaryDim: 8, theta: 10000 });
    expect(cos.length).toBe(3 * 4);
    expect(Array.from(cos.subarray(0, 4))).toEqual([1, 1, 1, 1]);
    expect(Array.from(sin.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    [1, 0.1, 0.01, 0.001].forEach((freq, i) => {
      expect(cos[2 * 4 + i]).toBeCloseTo(Math.cos(2 * freq), 6);
      expect(sin[2 * 4 + i]).toBeCloseTo(Math.sin(2 * freq), 6);
    });
  });

  test.each([
    [
      { positions: -1, rotaryDim: 8, theta: 1e4 },
      /ropeTables: positions expected a non-negative integer, got -1/,
    ],
    [
      { positions: 4, rotaryDim: 7, theta: 1e4 },
      /ropeTables: rotaryDim expected a positive even integer, got 7/,
    ],
    [{ positions: 4, rotaryDim: 8, theta: 0 }, /ropeTables: theta expected a finite number > 0, got 0/],
  ])('rejects %o', (options, message) => {
    expect(() => ropeTables(options)).toThrow(message);
  });
});

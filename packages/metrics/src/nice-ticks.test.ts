import { describe, expect, test } from 'vitest';
import { MetricsError } from './errors.js';
import { formatTick, logTicks, niceLinearTicks } from './nice-ticks.js';

describe('niceLinearTicks (Heckbert nice numbers)', () => {
  test.each([
    [0, 1000, 5, [0, 200, 400, 600, 800, 1000]],
    [0.013, 0.087, 5, [0, 0.02, 0.04, 0.06, 0.08, 0.1]],
    [1.4, 2.5, 6, [1, 1.5, 2, 2.5]],
    [-3.2, 7.9, 6, [-5, 0, 5, 10]],
    [5, 5, 5, [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6]], // a single value is widened by 10%
    [0, 0, 5, [-1, -0.5, 0, 0.5, 1]],
    [0.1, 0.3, 5, [0.1, 0.15, 0.2, 0.25, 0.3]], // no 0.30000000000000004
  ])('[%d, %d] ~%d ticks -> %j', (lo, hi, count, values) => {
    const t = niceLinearTicks(lo, hi, count);
    expect(t.values).toEqual(values);
    expect(t.min).toBeLessThanOrEqual(lo);
    expect(t.max).toBeGreaterThanOrEqual(hi);
  });

  test('ticks are evenly spaced multiples of a 1/2/5 step', () => {
    for (const [lo, hi] of [
      [0.0123, 987.6],
      [-1e-6, 3e-6],
      [123456, 123999],
      [-50, -49.5],
    ] as const) {
      const t = niceLinearTicks(lo, hi, 6);
      const mantissa = t.step / 10 ** Math.floor(Math.log10(t.step));
      expect([1, 2, 5]).toContain(Math.round(mantissa * 1e9) / 1e9);
      for (let i = 1; i < t.values.length; i++) {
        expect(Math.abs(t.values[i]! - t.values[i - 1]! - t.step)).toBeLessThan(t.step * 1e-9);
      }
      expect(t.values.length).toBeGreaterThanOrEqual(3);
      expect(t.values.length).toBeLessThanOrEqual(12);
    }
  });

  test('rejects non-finite or reversed ranges', () => {
    expect(() => niceLinearTicks(Number.NaN, 1)).toThrow(MetricsError);
    expect(() => niceLinearTicks(2, 1)).toThrow('niceLinearTicks: expected finite lo <= hi, got 2 and 1');
  });
});

describe('logTicks', () => {
  test.each([
    [0.03, 40, [0.01, 0.1, 1, 10, 100]],
    [5, 5, [1, 10]],
    [1, 100, [1, 10, 100]],
    [1e-9, 1e9, [1e-9, 1e-6, 1e-3, 1, 1e3, 1e6, 1e9]], // every 3rd decade
  ])('[%d, %d] -> %j', (lo, hi, values) => {
    expect(logTicks(lo, hi).values).toEqual(values);
  });

  test('rejects non-positive bounds', () => {
    expect(() => logTicks(0, 1)).toThrow('logTicks: expected 0 < lo <= hi < Infinity, got 0 and 1');
  });
});

describe('formatTick', () => {
  test.each([
    [0.5, niceLinearTicks(0, 2), 'linear', '0.5'],
    [2, niceLinearTicks(0, 2), 'linear', '2.0'],
    [200, niceLinearTicks(0, 1000), 'linear', '200'],
    [0.001, logTicks(0.001, 1), 'log', '0.001'],
    [1e7, logTicks(1, 1e7), 'log', '1e7'],
    [1e-5, logTicks(1e-5, 1), 'log', '1e-5'],
  ] as const)('%d -> %j', (v, ticks, scale, text) => {
    expect(formatTick(v, ticks, scale)).toBe(text);
  });
});

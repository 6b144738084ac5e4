import { describe, expect, test } from 'vitest';
import { formatBytes, formatNumber, formatPercent, formatSeconds } from './format.js';

describe('format', () => {
  test.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [294912, '288.0 KiB'],
    [5 * 1024 ** 3, '5.0 GiB'],
  ])('formatBytes(%d) = %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  test.each([
    [0.8125, '81.3%'],
    [0.25, '25.0%'],
    [1, '100.0%'],
    [Number.NaN, '–'],
  ])('formatPercent(%d) = %s', (fraction, text) => expect(formatPercent(fraction)).toBe(text));

  test.each([
    [0.4, '0 s'],
    [42.4, '42 s'],
    [59.6, '1 min 00 s'],
    [185, '3 min 05 s'],
    [Number.NaN, '–'],
    [-1, '–'],
  ])('formatSeconds(%d) = %s', (seconds, text) => expect(formatSeconds(seconds)).toBe(text));

  test.each([
    [2.5, '2.500'],
    [0.4656, '0.4656'],
    [12.375, '12.38'],
    [12345.6, '12346'],
    [0.003, '3.00e-3'],
    [0.000273, '2.73e-4'],
    [0, '0.000'],
    [Number.POSITIVE_INFINITY, '–'],
  ])('formatNumber(%d) = %s', (value, text) => expect(formatNumber(value)).toBe(text));
});

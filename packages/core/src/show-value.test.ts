import { expect, test } from 'vitest';
import { showValue } from './show-value.js';

test.each([
  [Number.NaN, 'NaN'],
  [Number.POSITIVE_INFINITY, 'Infinity'],
  [Number.NEGATIVE_INFINITY, '-Infinity'],
  [-0.5, '-0.5'],
  [undefined, 'nothing'],
  [null, 'null'],
  ['r', '"r"'],
  [true, 'true'],
  [[1, Number.NaN], '[1,"NaN"]'],
  [{ lr: Number.POSITIVE_INFINITY }, '{"lr":"Infinity"}'],
])('showValue(%s) is %s', (value, shown) => {
  expect(showValue(value)).toBe(shown);
});

test('a cyclic object falls back to String() instead of throwing', () => {
  const a: Record<string, unknown> = {};
  a.self = a;
  expect(showValue(a)).toBe('[object Object]');
});

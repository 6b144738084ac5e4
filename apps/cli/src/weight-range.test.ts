import type { ExportedTensor } from '@lora/models';
import { describe, expect, test } from 'vitest';
import { CliError } from './errors.js';
import { checkWritableWeights } from './weight-range.js';

const weights = (...tensors: [string, number[]][]) =>
  new Map<string, ExportedTensor>(
    tensors.map(([n, v]) => [n, { shape: [v.length], data: Float32Array.from(v) }]),
  );

describe('checkWritableWeights', () => {
  test.each([
    ['float16 holds its largest value', 'float16', [65504, -65504, 1e-8]],
    ['float16 rounds just past it down to 65504', 'float16', [65519]],
    ['bfloat16 holds 1e38', 'bfloat16', [1e38, -3e38]],
    ['float32 holds anything finite', 'float32', [3.4e38, -1e-45]],
  ] as const)('%s', (_, dtype, values) => {
    expect(() => checkWritableWeights('merge', weights(['w', [...values]]), dtype)).not.toThrow();
  });

  test('a float16 overflow names the tensor, the count and a wider dtype', () => {
    const w = weights(['a.weight', [1, 2]], ['b.weight', [70000, 1, -65520, 3]], ['c.weight', [1e6]]);
    expect(() => checkWritableWeights('merge', w, 'float16')).toThrow(
      new CliError(
        'lora merge: tensor "b.weight": expected values that fit float16 (|x| <= 65504), got 2 of 4 that would be written as ±Infinity (largest |x| 7.000e+4) (and 1 more tensor); use --dtype float32 or bfloat16; nothing was written',
      ),
    );
  });

  test('a bfloat16 overflow suggests float32', () => {
    expect(() => checkWritableWeights('merge', weights(['w', [3.4e38]]), 'bfloat16')).toThrow(
      /got 1 of 1 that would be written as ±Infinity .*; use --dtype float32; nothing was written$/,
    );
  });

  test('NaN or Infinity already in the merged weights is refused in any dtype', () => {
    expect(() =>
      checkWritableWeights('merge', weights(['w', [0, Number.NaN, Number.NEGATIVE_INFINITY]]), 'float32'),
    ).toThrow(
      'lora merge: tensor "w": expected finite weights, got 2 NaN or ±Infinity of 3; nothing was written',
    );
  });
});

import { describe, expect, test } from 'vitest';
import { fromArray, ShapeError, Tensor, zeros } from './tensor.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('Tensor', () => {
  const t = fromArray(range(24), [2, 3, 4]);

  test('fromArray and zeros are contiguous row-major', () => {
    expect(t.strides).toEqual([12, 4, 1]);
    expect(t.size).toBe(24);
    expect(t.isContiguous()).toBe(true);
    expect(t.at(1, 2, 3)).toBe(23);
    expect(zeros([2, 0, 3]).size).toBe(0);
    expect(zeros([3]).toArray()).toEqual([0, 0, 0]);
  });

  test.each([
    { op: 'transpose()', view: () => t.transpose(), shape: [2, 4, 3], at: [1, 3, 2], value: 23 },
    { op: 'transpose(0, 2)', view: () => t.transpose(0, 2), shape: [4, 3, 2], at: [1, 2, 0], value: 9 },
    { op: 'permute(2, 0, 1)', view: () => t.permute(2, 0, 1), shape: [4, 2, 3], at: [3, 1, 0], value: 15 },
    { op: 'slice(1, 1)', view: () => t.slice(1, 1), shape: [2, 2, 4], at: [0, 0, 0], value: 4 },
    { op: 'slice(-1, 1, 3)', view: () => t.slice(-1, 1, 3), shape: [2, 3, 2], at: [1, 2, 1], value: 22 },
    { op: 'reshape(6, -1)', view: () => t.reshape(6, -1), shape: [6, 4], at: [5, 0], value: 20 },
  ])('$op is a view: shape $shape, shares data', ({ view, shape, at, value }) => {
    const v = view();
    expect(v.shape).toEqual(shape);
    expect(v.data).toBe(t.data);
    expect(v.at(...at)).toBe(value);
  });

  test('toArray and contiguous() follow the logical order of a transposed view', () => {
    const m = fromArray(range(6), [2, 3]).transpose();
    expect(m.isContiguous()).toBe(false);
    expect(m.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    const c = m.contiguous();
    expect(c.isContiguous()).toBe(true);
    expect(Array.from(c.data)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(m.values())).toEqual([0, 3, 1, 4, 2, 5]);
  });

  test('contiguous views are returned as they are; values() is then a subarray, not a copy', () => {
    const row = t.slice(0, 1, 2);
    expect(row.contiguous()).toBe(row);
    const values = row.values();
    expect(values.buffer).toBe(t.data.buffer);
    expect(Array.from(values)).toEqual(range(12).map((i) => i + 12));
  });

  test('a write through the data is seen by every view', () => {
    const base = fromArray([1, 2, 3, 4], [2, 2]);
    const view = base.transpose();
    base.data[1] = 9;
    expect(view.at(1, 0)).toBe(9);
  });

  test.each([
    [
      'reshape to the wrong size',
      () => t.reshape(5, 5),
      /reshape: expected a shape of 24 elements \(from \[2, 3, 4\]\), got \[5, 5\]/,
    ],
    [
      'reshape with a fractional -1',
      () => t.reshape(5, -1),
      /reshape: expected a shape of 24 elements \(from \[2, 3, 4\]\), got \[5, 4\.8\]/,
    ],
    [
      'reshape a transposed view',
      () => t.transpose().reshape(24),
      /reshape: expected a contiguous tensor, got strides \[12, 1, 4\] for \[2, 4, 3\]; call contiguous\(\) first/,
    ],
    [
      'permute with a repeated dim',
      () => t.permute(0, 0, 1),
      /permute: expected a permutation of 3 dims, got \[0, 0, 1\]/,
    ],
    [
      'transpose an unknown dim',
      () => t.transpose(0, 3),
      /transpose: expected a dim in \[-3, 3\), got 3 for \[2, 3, 4\]/,
    ],
    [
      'slice past the end',
      () => t.slice(1, 2, 4),
      /slice: expected 0 <= start <= end <= 3 on dim 1 of \[2, 3, 4\], got \[2, 4\)/,
    ],
    ['at out of range', () => t.at(2, 0, 0), /at: expected an index within \[2, 3, 4\], got \[2, 0, 0\]/],
    [
      'fromArray with the wrong count',
      () => fromArray([1, 2, 3], [2, 2]),
      /fromArray: expected 4 values for shape \[2, 2\], got 3/,
    ],
    [
      'a view beyond its data',
      () => new Tensor(new Float32Array(5), [2, 3]),
      /Tensor: view \[2, 3\] at offset 0 expected within 5 elements, reaches 5/,
    ],
    [
      'a negative dim',
      () => zeros([2, -1]),
      /tensor shape: expected non-negative integer dims, got \[2, -1\]/,
    ],
  ])('%s is a ShapeError naming both shapes', (_, call, message) => {
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(message);
  });
});

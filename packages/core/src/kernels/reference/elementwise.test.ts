import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64, weightedSum } from '../../gradcheck.js';
import { KernelArgumentError } from '../check.js';
import { add, addBias, axpy, columnSums, mul, scale } from './elementwise.js';

const rng = makeRng(61);
const random64 = (n: number): Float64Array => Float64Array.from({ length: n }, () => rng.normal());
const random32 = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
const f32 = Math.fround;

describe('add and mul (reference)', () => {
  test.each([
    { a: [1, 2, 3], b: [10, 20, 30], sum: [11, 22, 33], product: [10, 40, 90] },
    { a: [-1.5, 0, 2], b: [1.5, -0, 0.25], sum: [0, 0, 2.25], product: [-2.25, -0, 0.5] },
    {
      a: [Infinity, 1, 3e38],
      b: [-Infinity, Number.NaN, 3e38],
      sum: [Number.NaN, Number.NaN, Infinity],
      product: [-Infinity, Number.NaN, Infinity],
    },
  ])('$a with $b', ({ a, b, sum, product }) => {
    const [fa, fb] = [Float32Array.from(a), Float32Array.from(b)];
    const out = new Float32Array(a.length);
    add({ a: fa, b: fb, out, n: a.length });
    expect(Array.from(out)).toEqual(sum.map(f32));
    mul({ a: fa, b: fb, out, n: a.length });
    expect(Array.from(out)).toEqual(product.map(f32));
  });

  test('float32 outputs are the float32 rounding of the exact sum and product', () => {
    const [a, b] = [random32(500), random32(500)];
    const [sum, product] = [new Float32Array(500), new Float32Array(500)];
    add({ a, b, out: sum, n: 500 });
    mul({ a, b, out: product, n: 500 });
    expect(Array.from(sum)).toEqual(Array.from(a, (v, i) => f32(v + b[i]!)));
    expect(Array.from(product)).toEqual(Array.from(a, (v, i) => f32(v * b[i]!)));
  });

  test('out may alias a, b or both (x + x, x ⊙ x)', () => {
    const x = random32(64);
    const [twice, square] = [x.map((v) => v + v), x.map((v) => v * v)];
    const y = x.slice();
    add({ a: y, b: y, out: y, n: 64 });
    expect(Array.from(y)).toEqual(Array.from(twice));
    const z = x.slice();
    mul({ a: z, b: x, out: z, n: 64 });
    expect(Array.from(z)).toEqual(Array.from(square));
  });

  test('writes only the first n elements', () => {
    const out = new Float32Array(4).fill(-7);
    add({ a: Float32Array.from([1, 2, 3, 4]), b: Float32Array.from([1, 1, 1, 1]), out, n: 2 });
    expect(Array.from(out)).toEqual([2, 3, -7, -7]);
  });

  test.each(['a', 'b', 'out'] as const)('add and mul reject a short %s', (key) => {
    const args = { a: new Float32Array(3), b: new Float32Array(3), out: new Float32Array(3), n: 3 };
    args[key] = new Float32Array(2);
    const message = new RegExp(`: ${key} \\(n\\) expected at least 3 elements, got 2`);
    expect(() => add(args)).toThrow(KernelArgumentError);
    expect(() => add(args)).toThrow(new RegExp(`^add${message.source}`));
    expect(() => mul(args)).toThrow(new RegExp(`^mul${message.source}`));
  });
});

describe('axpy and scale (reference)', () => {
  test.each([
    { alpha: 2, x: [1, -2, 0.5], y: [10, 10, 10], expected: [12, 6, 11] },
    { alpha: -1, x: [1, 2, 3], y: [1, 2, 3], expected: [0, 0, 0] },
    { alpha: 0, x: [5, Infinity, 7], y: [1, 2, 3], expected: [1, Number.NaN, 3] }, // 0 · ∞ = NaN, as in BLAS
    { alpha: 0.5, x: [3, 5], y: [-1, 0.25], expected: [0.5, 2.75] },
  ])('y += $alpha · $x', ({ alpha, x, y, expected }) => {
    const out = Float32Array.from(y);
    axpy({ x: Float32Array.from(x), y: out, n: x.length, alpha });
    expect(Array.from(out)).toEqual(expected);
  });

  test('axpy in float64 is y + alpha·x exactly as JS computes it', () => {
    const [x, y] = [random64(100), random64(100)];
    const expected = y.map((v, i) => v + 0.3 * x[i]!);
    axpy({ x: k64(x), y: k64(y), n: 100, alpha: 0.3 });
    expect(Array.from(y)).toEqual(Array.from(expected));
  });

  test.each([
    { alpha: 3, x: [1, -2, 0.5], expected: [3, -6, 1.5] },
    { alpha: -0.5, x: [4, 0, -1], expected: [-2, -0, 0.5] },
    { alpha: 0, x: [4, -1], expected: [0, -0] },
  ])('out = $alpha · $x', ({ alpha, x, expected }) => {
    const out = new Float32Array(x.length);
    scale({ x: Float32Array.from(x), out, n: x.length, alpha });
    expect(Array.from(out)).toEqual(expected);
  });

  test('scale in place (out aliasing x)', () => {
    const x = random32(32);
    const expected = Array.from(x, (v) => f32(v * 0.75));
    scale({ x, out: x, n: 32, alpha: 0.75 });
    expect(Array.from(x)).toEqual(expected);
  });

  test.each([
    [
      () => axpy({ x: new Float32Array(2), y: new Float32Array(2), n: 2, alpha: Number.NaN }),
      /axpy: alpha expected a finite number, got NaN/,
    ],
    [
      () => axpy({ x: new Float32Array(2), y: new Float32Array(1), n: 2, alpha: 1 }),
      /axpy: y \(n\) expected at least 2 elements, got 1/,
    ],
    [
      () => scale({ x: new Float32Array(2), out: new Float32Array(2), n: 2, alpha: Infinity }),
      /scale: alpha expected a finite number, got Infinity/,
    ],
    [
      () => scale({ x: new Float32Array(1), out: new Float32Array(2), n: 2, alpha: 1 }),
      /scale: x \(n\) expected at least 2 elements, got 1/,
    ],
  ])('rejects bad arguments (%#)', (call, message) => {
    expect(call).toThrow(KernelArgumentError);
    expect(call).toThrow(message);
  });
});

describe('addBias and columnSums (reference)', () => {
  const SHAPES = [
    { rows: 1, cols: 1 },
    { rows: 3, cols: 4 },
    { rows: 5, cols: 2 },
    { rows: 1, cols: 7 },
  ];

  test.each(SHAPES)('addBias $rows×$cols adds the bias to every row', ({ rows, cols }) => {
    const x = random64(rows * cols);
    const bias = random64(cols);
    const expected = x.map((v, i) => v + bias[i % cols]!);
    addBias({ x: k64(x), bias: k64(bias), rows, cols });
    expect(Array.from(x)).toEqual(Array.from(expected));
  });

  test('addBias on a 2×3 table', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    addBias({ x, bias: Float32Array.from([10, 20, 30]), rows: 2, cols: 3 });
    expect(Array.from(x)).toEqual([11, 22, 33, 14, 25, 36]);
  });

  test('columnSums on a 3×2 table adds into what is there', () => {
    const out = Float32Array.from([100, -100]);
    columnSums({ x: Float32Array.from([1, 2, 3, 4, 5, 6]), outAccumulate: out, rows: 3, cols: 2 });
    expect(Array.from(out)).toEqual([109, -88]);
  });

  test('columnSums sums in float64 and rounds once: 2²⁴ + 1 + 1 is 2²⁴ + 2, not 2²⁴', () => {
    const x = Float32Array.from([2 ** 24, 1, 1]); // (3, 1)
    const out = new Float32Array(1);
    columnSums({ x, outAccumulate: out, rows: 3, cols: 1 });
    expect(out[0]).toBe(2 ** 24 + 2);
  });

  test('rows = 0: addBias changes nothing and columnSums adds 0', () => {
    const out = Float32Array.from([3]);
    columnSums({ x: new Float32Array(0), outAccumulate: out, rows: 0, cols: 1 });
    expect(out[0]).toBe(3);
    const x = new Float32Array(0);
    expect(() => addBias({ x, bias: Float32Array.from([1]), rows: 0, cols: 1 })).not.toThrow();
  });

  // columnSums is addBias's backward: dbias = Σ_rows dout.
  test.each(SHAPES)(
    '$rows×$cols: columnSums(dout) is d/dbias of Σ addBias(x, bias) · dout (gradcheck)',
    ({ rows, cols }) => {
      const x = random64(rows * cols);
      const bias = random64(cols);
      const dout = random64(rows * cols);
      const loss = (): number => {
        const out = x.slice();
        addBias({ x: k64(out), bias: k64(bias), rows, cols });
        return weightedSum(out, dout);
      };
      const start = random64(cols); // accumulated onto, never overwritten
      const dbias = start.slice();
      columnSums({ x: k64(dout), outAccumulate: k64(dbias), rows, cols });
      gradcheck(loss, [{ name: 'dbias', value: bias, grad: dbias.map((v, j) => v - start[j]!) }]);
      expectClose(
        dbias.map((v, j) => v - start[j]!),
        Array.from({ length: cols }, (_, j) =>
          dout.filter((_, i) => i % cols === j).reduce((s, v) => s + v, 0),
        ),
        { rtol: 1e-12, atol: 1e-12 },
        'dbias',
      );
    },
  );

  test.each([
    [
      () => addBias({ x: new Float32Array(5), bias: new Float32Array(3), rows: 2, cols: 3 }),
      /addBias: x \(T, C\) expected at least 6 elements, got 5/,
    ],
    [
      () => addBias({ x: new Float32Array(6), bias: new Float32Array(2), rows: 2, cols: 3 }),
      /addBias: bias \(C\) expected at least 3 elements, got 2/,
    ],
    [
      () => columnSums({ x: new Float32Array(6), outAccumulate: new Float32Array(2), rows: 2, cols: 3 }),
      /columnSums: outAccumulate \(C\) expected at least 3 elements, got 2/,
    ],
    [
      () => columnSums({ x: new Float32Array(6), outAccumulate: new Float32Array(3), rows: -2, cols: 3 }),
      /columnSums: rows expected a non-negative integer, got -2/,
    ],
  ])('rejects bad arguments (%#)', (call, message) => {
    expect(call).toThrow(KernelArgumentError);
    expect(call).toThrow(message);
  });
});

import { describe, expect, test } from 'vitest';
import { GradcheckError, gradcheck, numericalGradient, weightedSum } from './gradcheck.js';

describe('numericalGradient', () => {
  test.each([
    {
      name: 'Σ x²',
      f: (x: Float64Array) => x.reduce((s, v) => s + v * v, 0),
      grad: (x: Float64Array) => x.map((v) => 2 * v),
    },
    {
      name: 'Σ sin x',
      f: (x: Float64Array) => x.reduce((s, v) => s + Math.sin(v), 0),
      grad: (x: Float64Array) => x.map(Math.cos),
    },
    {
      name: 'x0·x1·x2',
      f: (x: Float64Array) => x[0]! * x[1]! * x[2]!,
      grad: (x: Float64Array) => Float64Array.from([x[1]! * x[2]!, x[0]! * x[2]!, x[0]! * x[1]!]),
    },
  ])('$name matches its analytic gradient to 1e-9', ({ f, grad }) => {
    const x = Float64Array.from([0.3, -1.7, 2.2]);
    const numeric = numericalGradient(() => f(x), x);
    const exact = grad(x);
    for (let i = 0; i < x.length; i++) expect(Math.abs(numeric[i]! - exact[i]!)).toBeLessThan(1e-9);
    expect(Array.from(x)).toEqual([0.3, -1.7, 2.2]); // restored
  });
});

describe('gradcheck', () => {
  const x = Float64Array.from([0.5, -1, 2]);
  const w = Float64Array.from([1, 2, 3]);
  const loss = () =>
    weightedSum(
      x.map((v) => v * v),
      w,
    ); // d/dx = 2·x·w

  test('passes a correct gradient and reports its largest difference', () => {
    const [result] = gradcheck(loss, [{ name: 'dx', value: x, grad: x.map((v, i) => 2 * v * w[i]!) }]);
    expect(result!.name).toBe('dx');
    expect(result!.maxAbsDiff).toBeLessThan(1e-8);
  });

  test('names the input and the worst element of a wrong gradient', () => {
    const wrong = x.map((v, i) => 2 * v * w[i]!);
    wrong[0] = wrong[0]! + 1e-3;
    wrong[2] = 13;
    expect(() => gradcheck(loss, [{ name: 'dx', value: x, grad: wrong }])).toThrow(
      /gradcheck dx: element 2 is 13, expected 12\.0000\d* from finite differences \(max \|diff\| 1\.000e\+0/,
    );
  });

  test('a NaN gradient fails', () => {
    expect(() => gradcheck(loss, [{ name: 'dx', value: x, grad: [Number.NaN, 0, 0] }])).toThrow(
      GradcheckError,
    );
  });

  test('a gradient of the wrong length is an error', () => {
    expect(() => gradcheck(loss, [{ name: 'dx', value: x, grad: [1, 2] }])).toThrow(
      /gradcheck dx: expected a gradient of length 3, got 2/,
    );
  });
});

import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { asKernelArray as k64 } from '../../gradcheck.js';
import { sgd } from './sgd.js';

const rng = makeRng(41);
const random64 = (n: number, scale = 1): Float64Array =>
  Float64Array.from({ length: n }, () => scale * rng.normal());

describe('sgd (reference)', () => {
  // torch.optim.SGD's documented update with momentum 0: g ← g + λθ; θ ← θ − γ·g, written out in float64
  test.each([
    { lr: 0.1, weightDecay: 0 },
    { lr: 1e-3, weightDecay: 0.01 },
    { lr: 0.5, weightDecay: 0.3 },
  ])('three steps follow the textbook update (lr $lr, wd $weightDecay)', ({ lr, weightDecay }) => {
    const n = 9;
    const param = random64(n);
    const expected = param.slice();
    for (let step = 0; step < 3; step++) {
      const grad = random64(n, 0.1);
      sgd({ param: k64(param), grad: k64(grad), lr, weightDecay, n });
      for (let i = 0; i < n; i++) {
        const g = grad[i]! + Math.fround(weightDecay) * expected[i]!;
        expected[i] = expected[i]! - Math.fround(lr) * g;
      }
    }
    expectClose(param, expected, { rtol: 1e-6, atol: 1e-7 }, 'param');
  });

  test('a gradient step moves each weight by lr · g, and grad is left as it was', () => {
    const param = Float32Array.from([1, -2, 3]);
    const grad = Float32Array.from([0.5, -4, 0]);
    sgd({ param, grad, lr: 0.25, weightDecay: 0, n: 3 });
    expect(Array.from(param)).toEqual([0.875, -1, 3]);
    expect(Array.from(grad)).toEqual([0.5, -4, 0]);
  });

  test('weight decay is added to the gradient (L2), not decoupled', () => {
    const param = Float32Array.from([2]);
    sgd({ param, grad: Float32Array.from([0]), lr: 0.5, weightDecay: 0.25, n: 1 });
    expect(param[0]).toBe(2 - 0.5 * 0.25 * 2);
  });

  test.each([
    [0.25, [1 - 0.1 * 0.25 * 2, 2 - 0.1 * 0.25 * 4]],
    [Number.NaN, [1, 2]],
    [Number.POSITIVE_INFINITY, [1, 2]],
  ])('gradScale %f scales the gradient; a non-finite one skips the update', (factor, expected) => {
    const param = Float32Array.from([1, 2]);
    sgd({
      param,
      grad: Float32Array.from([2, 4]),
      lr: 0.1,
      weightDecay: 0,
      n: 2,
      gradScale: Float32Array.from([factor]),
    });
    expectClose(param, expected, { rtol: 1e-7, atol: 0 }, 'param');
  });

  test.each([
    [{ lr: Number.NaN }, /sgd: lr expected a finite number, got NaN/],
    [{ weightDecay: Number.POSITIVE_INFINITY }, /sgd: weightDecay expected a finite number, got Infinity/],
    [{ n: 5 }, /sgd: param \(n\) expected at least 5 elements, got 4/],
    [{ gradScale: new Float32Array(0) }, /sgd: gradScale \(1\) expected at least 1 elements, got 0/],
  ])('rejects %o', (bad, message) => {
    const args = { param: new Float32Array(4), grad: new Float32Array(4), lr: 1e-3, weightDecay: 0, n: 4 };
    expect(() => sgd({ ...args, ...bad })).toThrow(message);
  });
});

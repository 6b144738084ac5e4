import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { asKernelArray as k64 } from '../../gradcheck.js';
import { adamw } from './adamw.js';

const rng = makeRng(37);
const random64 = (n: number, scale = 1): Float64Array =>
  Float64Array.from({ length: n }, () => scale * rng.normal());

const CONFIGS = [
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
  { lr: 0.05, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0 },
  { lr: 2e-4, beta1: 0, beta2: 0.5, eps: 1e-3, weightDecay: 0.1 },
];

describe('adamw (reference)', () => {
  // Textbook form (Loshchilov & Hutter, Algorithm 2 as torch documents it): m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t),
  // θ ← θ·(1 − lr·λ) − lr · m̂ / (√v̂ + ε) — algebraically equal to torch's order, computed independently.
  test.each(CONFIGS)(
    'five steps follow the textbook AdamW (lr $lr, β $beta1/$beta2, wd $weightDecay)',
    (cfg) => {
      const n = 9;
      const param = random64(n);
      const [m, v] = [new Float64Array(n), new Float64Array(n)];
      const expected = { p: param.slice(), m: new Float64Array(n), v: new Float64Array(n) };
      for (let step = 1; step <= 5; step++) {
        const grad = random64(n, 0.1);
        adamw({ ...cfg, param: k64(param), grad: k64(grad), m: k64(m), v: k64(v), step, n });
        for (let i = 0; i < n; i++) {
          const g = grad[i]!;
          expected.m[i] = cfg.beta1 * expected.m[i]! + (1 - cfg.beta1) * g;
          expected.v[i] = cfg.beta2 * expected.v[i]! + (1 - cfg.beta2) * g * g;
          const mhat = expected.m[i]! / (1 - cfg.beta1 ** step);
          const vhat = expected.v[i]! / (1 - cfg.beta2 ** step);
          expected.p[i] =
            expected.p[i]! * (1 - cfg.lr * cfg.weightDecay) - (cfg.lr * mhat) / (Math.sqrt(vhat) + cfg.eps);
        }
      }
      expectClose(m, expected.m, { rtol: 1e-13, atol: 1e-16 }, 'm');
      expectClose(v, expected.v, { rtol: 1e-13, atol: 1e-16 }, 'v');
      expectClose(param, expected.p, { rtol: 1e-13, atol: 1e-15 }, 'param');
    },
  );

  test('the first step moves each weight by about lr against the sign of its gradient', () => {
    const param = new Float64Array([1, -2, 3]);
    const grad = new Float64Array([0.5, -4, 1e-3]);
    adamw({
      param: k64(param),
      grad: k64(grad),
      m: k64(new Float64Array(3)),
      v: k64(new Float64Array(3)),
      step: 1,
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      n: 3,
    });
    expectClose(param, [0.9, -1.9, 2.9], { rtol: 0, atol: 1e-6 }, 'param');
  });

  test('a zero gradient only decays the weights, by lr·wd', () => {
    const param = new Float64Array([1, -2]);
    adamw({
      param: k64(param),
      grad: k64(new Float64Array(2)),
      m: k64(new Float64Array(2)),
      v: k64(new Float64Array(2)),
      step: 1,
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.5,
      n: 2,
    });
    expect(Array.from(param)).toEqual([0.95, -1.9]);
  });

  test.each([
    [{ step: 0 }, /adamw: step expected an integer >= 1 \(1-based, after this update\), got 0/],
    [{ beta2: 1 }, /adamw: beta2 expected in \[0, 1\), got 1/],
    [{ lr: Number.NaN }, /adamw: lr expected a finite number, got NaN/],
    [{ n: 5 }, /adamw: param \(n\) expected at least 5 elements, got 4/],
  ])('rejects %o', (bad, message) => {
    const f = () => new Float32Array(4);
    const args = {
      param: f(),
      grad: f(),
      m: f(),
      v: f(),
      step: 1,
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      n: 4,
    };
    expect(() => adamw({ ...args, ...bad })).toThrow(message);
  });
});

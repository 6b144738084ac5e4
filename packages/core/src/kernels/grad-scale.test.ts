import { makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { KernelArgumentError } from './check.js';
import { applyGradScale } from './grad-scale.js';
import { adamw } from './reference/adamw.js';
import { countNonFinite, gradClip, sumSquares } from './reference/grad-stats.js';

const rng = makeRng(101);
const random32 = (n: number, scale = 1): Float32Array =>
  Float32Array.from({ length: n }, () => scale * rng.normal());
const { NaN: NAN, POSITIVE_INFINITY: INF, NEGATIVE_INFINITY: NEG_INF } = Number;
const N = 17;
const HYPER = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, n: N };

interface State {
  param: Float32Array;
  m: Float32Array;
  v: Float32Array;
}
const freshState = (): State => ({
  param: random32(N),
  m: random32(N, 0.01),
  v: random32(N, 0.01).map(Math.abs),
});
const copy = (s: State): State => ({ param: s.param.slice(), m: s.m.slice(), v: s.v.slice() });
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const expectSameState = (a: State, b: State): void => {
  for (const key of ['param', 'm', 'v'] as const) expect(bits(a[key]), key).toEqual(bits(b[key]));
};

// Factors as gradClip writes them, float32 values: 1/3 and 1e-3 are not exact, 0 zeroes the gradient.
const FACTORS = [0.25, 1 / 3, 1, 0, 1e-3, 2].map(Math.fround);

describe('applyGradScale', () => {
  test('without gradScale the gradient is left alone and the update runs', () => {
    const grad = random32(N);
    const before = bits(grad);
    expect(applyGradScale({ ...HYPER, ...freshState(), grad, step: 1 })).toBe(true);
    expect(bits(grad)).toEqual(before);
  });

  test.each(FACTORS)('factor %f: grad ← f32(grad · factor), the update runs', (factor) => {
    const grad = random32(N);
    const expected = Array.from(grad, (g) => Math.fround(g * factor));
    const gradScale = Float32Array.from([factor]);
    expect(applyGradScale({ ...HYPER, ...freshState(), grad, step: 1, gradScale })).toBe(true);
    expect(Array.from(grad)).toEqual(expected);
  });

  test.each([NAN, INF, NEG_INF])('factor %f: the update is skipped and grad left alone', (factor) => {
    const grad = random32(N);
    const before = bits(grad);
    expect(
      applyGradScale({ ...HYPER, ...freshState(), grad, step: 1, gradScale: Float32Array.from([factor]) }),
    ).toBe(false);
    expect(bits(grad)).toEqual(before);
  });

  test('scales only the first n elements', () => {
    const grad = Float32Array.from([1, 2, 3, 4]);
    applyGradScale({ ...HYPER, ...freshState(), n: 2, grad, step: 1, gradScale: Float32Array.from([0.5]) });
    expect(Array.from(grad)).toEqual([0.5, 1, 3, 4]);
  });

  test('rejects an empty gradScale', () => {
    const call = () =>
      applyGradScale({
        ...HYPER,
        ...freshState(),
        grad: random32(N),
        step: 1,
        gradScale: new Float32Array(0),
      });
    expect(call).toThrow(KernelArgumentError);
    expect(call).toThrow(/adamw: gradScale \(1\) expected at least 1 elements, got 0/);
  });
});

describe('adamw with gradScale (reference)', () => {
  test.each(FACTORS)(
    'factor %f equals adamw on the pre-scaled gradient, bit for bit, over 3 steps',
    (factor) => {
      const start = freshState();
      const [scaled, prescaled, fallback] = [copy(start), copy(start), copy(start)];
      for (let step = 1; step <= 3; step++) {
        const grad = random32(N, 0.3);
        const gradScale = Float32Array.from([factor]);
        adamw({ ...HYPER, ...scaled, grad: grad.slice(), step, gradScale });
        adamw({ ...HYPER, ...prescaled, grad: grad.map((g) => g * factor), step });
        // a host backend without gradScale in its AdamW: applyGradScale, then the plain update
        const g = grad.slice();
        if (applyGradScale({ ...HYPER, ...fallback, grad: g, step, gradScale }))
          adamw({ ...HYPER, ...fallback, grad: g, step });
      }
      expectSameState(scaled, prescaled);
      expectSameState(fallback, prescaled);
    },
  );

  test('factor 1 equals no gradScale', () => {
    const start = freshState();
    const [a, b] = [copy(start), copy(start)];
    const grad = random32(N);
    adamw({ ...HYPER, ...a, grad, step: 4, gradScale: Float32Array.from([1]) });
    adamw({ ...HYPER, ...b, grad, step: 4 });
    expectSameState(a, b);
  });

  test.each([NAN, INF, NEG_INF])(
    'factor %f leaves param, m and v untouched (the step is skipped)',
    (factor) => {
      const start = freshState();
      const state = copy(start);
      adamw({ ...HYPER, ...state, grad: random32(N), step: 2, gradScale: Float32Array.from([factor]) });
      expectSameState(state, start);
    },
  );

  test('the reference leaves grad itself unscaled', () => {
    const grad = random32(N);
    const before = bits(grad);
    adamw({ ...HYPER, ...freshState(), grad, step: 1, gradScale: Float32Array.from([0.5]) });
    expect(bits(grad)).toEqual(before);
  });

  test('rejects an empty gradScale', () => {
    const call = () =>
      adamw({ ...HYPER, ...freshState(), grad: random32(N), step: 1, gradScale: new Float32Array(0) });
    expect(call).toThrow(KernelArgumentError);
    expect(call).toThrow(/adamw: gradScale \(1\) expected at least 1 elements, got 0/);
  });

  // The whole guarded step as the trainer runs it: sumSquares over every gradient → gradClip → adamw(gradScale).
  test.each([
    { name: 'large gradients are clipped to maxNorm', scale: 10, poison: undefined, clipped: true },
    { name: 'small gradients pass unchanged', scale: 1e-3, poison: undefined, clipped: false },
    { name: 'a NaN gradient skips the step', scale: 1, poison: NAN, clipped: false },
    { name: 'an infinite gradient skips the step', scale: 1, poison: INF, clipped: false },
  ])('clip pipeline: $name', ({ scale, poison, clipped }) => {
    const maxNorm = 1;
    const grads = [random32(N, scale), random32(5, scale)];
    if (poison !== undefined) grads[1]![2] = poison;
    const total = new Float32Array(1);
    const nonFinite = new Float32Array(1);
    for (const g of grads) {
      sumSquares({ x: g, n: g.length, out: total });
      countNonFinite({ x: g, n: g.length, out: nonFinite });
    }
    const factor = new Float32Array(1);
    gradClip({ sumSquares: total, maxNorm, factor });
    expect(nonFinite[0]).toBe(poison === undefined ? 0 : 1);

    const start = freshState();
    const state = copy(start);
    adamw({ ...HYPER, ...state, grad: grads[0]!, step: 1, gradScale: factor });
    if (poison !== undefined) {
      expect(factor[0]).toBeNaN();
      expectSameState(state, start);
      return;
    }
    const norm = Math.sqrt(grads.reduce((s, g) => s + g.reduce((t, v) => t + v * v, 0), 0));
    if (clipped) {
      expect(factor[0]!).toBeLessThan(1);
      // the scaled gradients have the norm maxNorm (less the 1e-6 of clip_grad_norm_)
      expect(norm * factor[0]!).toBeCloseTo(maxNorm, 5);
    } else expect(factor[0]).toBe(1);
    const expected = copy(start);
    adamw({ ...HYPER, ...expected, grad: grads[0]!.map((g) => g * factor[0]!), step: 1 });
    expectSameState(state, expected);
  });
});

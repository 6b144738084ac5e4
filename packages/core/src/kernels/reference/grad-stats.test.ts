import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { asKernelArray as k64 } from '../../gradcheck.js';
import { KernelArgumentError } from '../check.js';
import { countNonFinite, gradClip, sumSquares } from './grad-stats.js';

const rng = makeRng(97);
const random32 = (n: number, scale = 1): Float32Array =>
  Float32Array.from({ length: n }, () => scale * rng.normal());
const { NaN: NAN, POSITIVE_INFINITY: INF, NEGATIVE_INFINITY: NEG_INF } = Number;

/** torch.nn.utils.clip_grad_norm_ (foreach off): clip_coef = max_norm / (total_norm + 1e-6), clamped to ≤ 1. */
function torchClipCoef(grads: Float32Array[], maxNorm: number): number {
  let total = 0;
  for (const g of grads) for (const v of g) total += v * v;
  return Math.min(1, maxNorm / (Math.sqrt(total) + 1e-6));
}

function clipFactor(sum: number, maxNorm: number): number {
  const factor = new Float64Array(1);
  gradClip({ sumSquares: k64(Float64Array.from([sum])), maxNorm, factor: k64(factor) });
  return factor[0]!;
}

describe('sumSquares (reference)', () => {
  test.each([
    { x: [3, 4], start: 0, expected: 25 },
    { x: [1, -1, 2], start: 10, expected: 16 },
    { x: [], start: 7, expected: 7 },
    { x: [0, -0], start: 0, expected: 0 },
  ])('$start + Σ $x² = $expected', ({ x, start, expected }) => {
    const out = Float32Array.from([start]);
    sumSquares({ x: Float32Array.from(x), n: x.length, out });
    expect(out[0]).toBe(expected);
  });

  test('sums in float64 and rounds once: 4096² + 4·1² is 2²⁴ + 4', () => {
    const out = new Float32Array(1);
    sumSquares({ x: Float32Array.from([4096, 1, 1, 1, 1]), n: 5, out });
    expect(out[0]).toBe(2 ** 24 + 4); // a float32 running sum would stay at 2²⁴
  });

  test('accumulates across tensors into the squared global norm', () => {
    const grads = [random32(100), random32(7, 3), random32(33, 0.01)];
    const out = new Float32Array(1);
    for (const g of grads) sumSquares({ x: g, n: g.length, out });
    const expected = grads.reduce((s, g) => s + g.reduce((t, v) => t + v * v, 0), 0);
    expectClose(out, [expected], { rtol: 2 ** -22 }, 'sumSquares'); // one float32 rounding per call
  });

  test('a NaN or ±∞ element makes the sum non-finite', () => {
    for (const bad of [NAN, INF, NEG_INF]) {
      const out = new Float32Array(1);
      sumSquares({ x: Float32Array.from([1, bad, 2]), n: 3, out });
      expect(Number.isFinite(out[0]!), `with ${bad}`).toBe(false);
    }
  });

  test('rejects a missing output', () => {
    const call = () => sumSquares({ x: new Float32Array(2), n: 2, out: new Float32Array(0) });
    expect(call).toThrow(KernelArgumentError);
    expect(call).toThrow(/sumSquares: out \(1\) expected at least 1 elements, got 0/);
  });
});

describe('gradClip (reference)', () => {
  // clip_grad_norm_ semantics, with the trainer's max_grad_norm ≤ 0 meaning "do not clip" and a non-finite norm
  // giving NaN (the step is skipped instead of zeroing or poisoning the weights).
  test.each([
    { name: 'clipped: norm 5, maxNorm 1', sum: 25, maxNorm: 1, factor: 1 / (5 + 1e-6) },
    { name: 'clipped: norm 10, maxNorm 0.5', sum: 100, maxNorm: 0.5, factor: 0.5 / (10 + 1e-6) },
    { name: 'clipped by 1e-6 at norm = maxNorm', sum: 4, maxNorm: 2, factor: 2 / (2 + 1e-6) },
    { name: 'not clipped: norm 0.5, maxNorm 1', sum: 0.25, maxNorm: 1, factor: 1 },
    { name: 'not clipped: norm 0.9, maxNorm 1', sum: 0.9 ** 2, maxNorm: 1, factor: 1 },
    { name: 'zero gradients', sum: 0, maxNorm: 1, factor: 1 },
    { name: 'maxNorm 0: no clipping', sum: 25, maxNorm: 0, factor: 1 },
    { name: 'maxNorm < 0: no clipping', sum: 25, maxNorm: -1, factor: 1 },
    { name: 'maxNorm −∞: no clipping', sum: 25, maxNorm: NEG_INF, factor: 1 },
    { name: 'NaN norm', sum: NAN, maxNorm: 1, factor: NAN },
    { name: '∞ norm', sum: INF, maxNorm: 1, factor: NAN },
    { name: '∞ norm without clipping', sum: INF, maxNorm: 0, factor: NAN },
  ])('$name → $factor', ({ sum, maxNorm, factor }) => {
    const got = clipFactor(sum, maxNorm);
    if (Number.isNaN(factor)) expect(got).toBeNaN();
    else expect(got).toBeCloseTo(factor, 15);
  });

  test.each([0.1, 1, 3])('maxNorm %f equals torch clip_coef on real gradients', (maxNorm) => {
    const grads = [random32(50), random32(20, 0.2)];
    const sum = new Float64Array(1);
    for (const g of grads) sumSquares({ x: g, n: g.length, out: k64(sum) });
    expect(clipFactor(sum[0]!, maxNorm)).toBeCloseTo(torchClipCoef(grads, maxNorm), 14);
  });

  test('writes a float32 factor', () => {
    const factor = new Float32Array(1);
    gradClip({ sumSquares: Float32Array.from([9]), maxNorm: 1, factor });
    expect(factor[0]).toBe(Math.fround(1 / (3 + 1e-6)));
  });

  test.each([
    [{ maxNorm: NAN }, /gradClip: maxNorm expected a finite number \(≤ 0: no clipping\), got NaN/],
    [{ maxNorm: INF }, /gradClip: maxNorm expected a finite number \(≤ 0: no clipping\), got Infinity/],
    [{ factor: new Float32Array(0) }, /gradClip: factor \(1\) expected at least 1 elements, got 0/],
    [{ sumSquares: new Float32Array(0) }, /gradClip: sumSquares \(1\) expected at least 1 elements, got 0/],
  ])('rejects %o', (bad, message) => {
    const args = { sumSquares: new Float32Array(1), maxNorm: 1, factor: new Float32Array(1), ...bad };
    expect(() => gradClip(args)).toThrow(KernelArgumentError);
    expect(() => gradClip(args)).toThrow(message);
  });
});

describe('countNonFinite (reference)', () => {
  test.each([
    { x: [1, 2, 3], start: 0, expected: 0 },
    { x: [NAN, 0, INF, -0, NEG_INF], start: 0, expected: 3 },
    { x: [3.4028234663852886e38, -3.4028234663852886e38, 1e-45], start: 0, expected: 0 }, // float32 extremes are finite
    { x: [NAN, NAN], start: 5, expected: 7 },
    { x: [], start: 2, expected: 2 },
  ])('$start + count in $x = $expected', ({ x, start, expected }) => {
    const out = Float32Array.from([start]);
    countNonFinite({ x: Float32Array.from(x), n: x.length, out });
    expect(out[0]).toBe(expected);
  });

  test('counts only the first n elements', () => {
    const out = new Float32Array(1);
    countNonFinite({ x: Float32Array.from([NAN, 1, INF, NAN]), n: 2, out });
    expect(out[0]).toBe(1);
  });

  test('rejects a short x', () => {
    const call = () => countNonFinite({ x: new Float32Array(2), n: 3, out: new Float32Array(1) });
    expect(call).toThrow(KernelArgumentError);
    expect(call).toThrow(/countNonFinite: x \(n\) expected at least 3 elements, got 2/);
  });
});

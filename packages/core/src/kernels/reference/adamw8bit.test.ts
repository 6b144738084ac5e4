import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { createDynamicMap } from '../../dynamic-map.js';
import { adamw } from './adamw.js';
import { ADAMW8BIT_BLOCKSIZE, adamw8bit, quantizeDynamic } from './adamw8bit.js';

const rng = makeRng(43);
const random32 = (n: number, scale = 1): Float32Array =>
  Float32Array.from({ length: n }, () => scale * rng.normal());
const [qmap1, qmap2] = [createDynamicMap(true), createDynamicMap(false)];
const HYPER = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

/** Fresh 8-bit state as bitsandbytes initialises it: codes 0, absmax 0. */
function state8(n: number) {
  const blocks = Math.ceil(n / ADAMW8BIT_BLOCKSIZE);
  return {
    state1: new Uint8Array(n),
    state2: new Uint8Array(n),
    absmax1: new Float32Array(blocks),
    absmax2: new Float32Array(blocks),
    qmap1,
    qmap2,
  };
}

const dequantized = (codes: Uint8Array, absmax: Float32Array, map: Float32Array) =>
  Array.from(codes, (c, i) => Math.fround(map[c]! * absmax[Math.floor(i / ADAMW8BIT_BLOCKSIZE)]!));

describe('quantizeDynamic (bitsandbytes quantize_2D)', () => {
  test.each([
    ['signed', qmap1, -1],
    ['unsigned', qmap2, 0],
  ] as const)('the %s map: the nearest code of 4000 values, and every code to itself', (_, map, lo) => {
    for (let k = 0; k < 4000; k++) {
      const x = Math.fround(lo + (1 - lo) * rng.next());
      const c = quantizeDynamic(map, x, lo < 0);
      for (const d of [c - 1, c + 1]) {
        if (d >= 0 && d < 256)
          expect(Math.abs(map[c]! - x), `${x}`).toBeLessThanOrEqual(Math.abs(map[d]! - x));
      }
    }
    // the signed map holds 0 twice over at the end (its padding zeros sort in with the 0): any index of an equal value
    for (let c = 0; c < 256; c++) expect(map[quantizeDynamic(map, map[c]!, lo < 0)]).toBe(map[c]);
  });
});

describe('adamw8bit (reference)', () => {
  test('the first step from fresh state moves each weight by about lr against its gradient, as AdamW does', () => {
    const n = 600;
    const param = random32(n);
    const grad = random32(n, 0.1);
    // AdamW's first step: m̂ = g, v̂ = g², so p − lr·g / (|g| + eps)
    const want = param.map((p, i) => p - (HYPER.lr * grad[i]!) / (Math.abs(grad[i]!) + HYPER.eps));
    adamw8bit({ ...HYPER, ...state8(n), param, grad, step: 1, n });
    expectClose(param, want, { rtol: 0, atol: 1e-6 }, 'param');
  });

  test('each block keeps max |m| and max v as its absmax; the largest moment is coded exactly', () => {
    const n = 2 * ADAMW8BIT_BLOCKSIZE + 17;
    const s = state8(n);
    const grad = random32(n, 0.1);
    adamw8bit({ ...HYPER, ...s, param: random32(n), grad, step: 1, n });
    for (let b = 0; b < 3; b++) {
      const g = grad.subarray(b * 256, b * 256 + 256);
      const maxG = g.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      // (1 − β) as the kernel's float32 arguments give it: 1 − f32(0.999) is 0.0010000467
      const [rest1, rest2] = [Math.fround(1 - Math.fround(0.9)), Math.fround(1 - Math.fround(0.999))];
      expectClose([s.absmax1[b]!], [rest1 * maxG], { rtol: 1e-6, atol: 0 }, `absmax1[${b}]`);
      expectClose([s.absmax2[b]!], [rest2 * maxG * maxG], { rtol: 1e-6, atol: 0 }, `absmax2[${b}]`);
      expect(s.state2.subarray(b * 256, b * 256 + 256)).toContain(255);
    }
  });

  test('20 steps stay close to 32-bit AdamW: the moments are coded to within a few percent of their block', () => {
    const n = 1000;
    const [p8, p32] = [random32(n), new Float32Array(n)];
    p32.set(p8);
    const s = state8(n);
    const [m, v] = [new Float32Array(n), new Float32Array(n)];
    for (let step = 1; step <= 20; step++) {
      const grad = random32(n, 0.01).map((g, i) => g + 0.002 * Math.sin(i));
      adamw8bit({ ...HYPER, ...s, param: p8, grad, step, n });
      adamw({ ...HYPER, param: p32, grad, m, v, step, n });
    }
    const m8 = dequantized(s.state1, s.absmax1, qmap1);
    const worst = m.reduce((w, x, i) => Math.max(w, Math.abs(x - m8[i]!)), 0);
    const scale = m.reduce((w, x) => Math.max(w, Math.abs(x)), 0);
    expect(worst / scale).toBeLessThan(0.05);
    // both moved each weight by up to 20 · lr; they part by a small fraction of that
    expectClose(p8, p32, { rtol: 0, atol: 0.03 * 20 * HYPER.lr }, 'param');
  });

  test('weight decay is applied after the update: a zero gradient only decays, by lr·wd', () => {
    const param = Float32Array.from([1, -2, 0.5]);
    adamw8bit({ ...HYPER, ...state8(3), weightDecay: 0.5, param, grad: new Float32Array(3), step: 1, n: 3 });
    expect(Array.from(param)).toEqual([0.995, -1.99, 0.4975].map(Math.fround));
  });

  test('a non-finite gradient element keeps its weight and zeroes its moments; its block goes on', () => {
    const n = 5;
    const s = state8(n);
    const param = Float32Array.from([1, 2, 3, 4, 5]);
    const grad = Float32Array.from([0.1, Number.NaN, -0.2, Number.POSITIVE_INFINITY, 0.3]);
    adamw8bit({ ...HYPER, ...s, param, grad, step: 1, n });
    expect(param[1]).toBe(2);
    expect(param[3]).toBe(4);
    expect(param[0]).toBeCloseTo(1 - HYPER.lr, 5);
    expect(dequantized(s.state1, s.absmax1, qmap1)[1]).toBe(0);
    expect(dequantized(s.state2, s.absmax2, qmap2)[3]).toBe(0);
    expect(s.absmax1[0]).toBe(Math.fround(Math.fround(1 - Math.fround(0.9)) * Math.fround(0.3)));
  });

  test.each([Number.NaN, Number.POSITIVE_INFINITY])('gradScale %f skips the whole update', (factor) => {
    const n = 300;
    const s = state8(n);
    const param = random32(n);
    adamw8bit({ ...HYPER, ...s, param, grad: random32(n), step: 1, n });
    const before = [param, s.state1, s.state2, s.absmax1, s.absmax2].map((a) => a.slice());
    const gradScale = Float32Array.from([factor]);
    adamw8bit({ ...HYPER, ...s, param, grad: random32(n), step: 2, n, gradScale });
    expect([param, s.state1, s.state2, s.absmax1, s.absmax2]).toEqual(before);
  });

  test('gradScale equals the update on the pre-scaled gradient, bit for bit', () => {
    const n = 300;
    const [a, b] = [state8(n), state8(n)];
    const [pa, grad] = [random32(n), random32(n)];
    const pb = pa.slice();
    adamw8bit({ ...HYPER, ...a, param: pa, grad, step: 1, n, gradScale: Float32Array.from([0.25]) });
    adamw8bit({ ...HYPER, ...b, param: pb, grad: grad.map((g) => g * 0.25), step: 1, n });
    expect([pa, a.state1, a.state2, a.absmax1]).toEqual([pb, b.state1, b.state2, b.absmax1]);
  });

  test.each([
    [{ step: 0 }, /adamw8bit: step expected an integer >= 1 \(1-based, after this update\), got 0/],
    [{ beta1: 1 }, /adamw8bit: beta1 expected in \[0, 1\), got 1/],
    [{ n: 5 }, /adamw8bit: param \(n\) expected at least 5 elements, got 4/],
    [{ n: 257 }, /adamw8bit: param \(n\) expected at least 257 elements, got 4/],
    [
      { absmax1: new Float32Array(0) },
      /adamw8bit: absmax1 \(⌈n \/ 256⌉\) expected at least 1 elements, got 0/,
    ],
    [{ qmap2: new Float32Array(16) }, /adamw8bit: qmap2 \(256\) expected at least 256 elements, got 16/],
  ])('rejects %o', (bad, message) => {
    const args = {
      ...HYPER,
      ...state8(4),
      param: new Float32Array(4),
      grad: new Float32Array(4),
      step: 1,
      n: 4,
    };
    expect(() => adamw8bit({ ...args, ...bad })).toThrow(message);
  });
});

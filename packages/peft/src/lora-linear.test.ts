import { type ForwardContext, gradcheck, uniformStream, weightedSum } from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { MergeError } from './errors.js';
import { LoraLinear } from './lora-linear.js';
import { f64, randomWeights, Toy4bitLinear, ToyLinear } from './toy-linears.test-support.js';

const IN = 6;
const OUT = 5;
const T = 4;
const R = 3;
const evalCtx: ForwardContext = { training: false };

function dense(seed: number, asF64 = false): ToyLinear {
  const rng = makeRng(seed);
  const w = randomWeights(OUT * IN, rng.next);
  const b = randomWeights(OUT, rng.next);
  return new ToyLinear('model.layers.0.self_attn.q_proj', IN, OUT, asF64 ? f64(w) : w, asF64 ? f64(b) : b);
}

function input(seed: number, rows = T): Float32Array {
  return randomWeights(rows * IN, makeRng(seed).next, 2);
}

describe('LoraLinear forward', () => {
  test.each([
    ['dense', () => dense(1)],
    [
      '4-bit',
      () =>
        new Toy4bitLinear(
          'q',
          IN,
          OUT,
          randomWeights(OUT * IN, makeRng(1).next),
          randomWeights(OUT, makeRng(2).next),
        ),
    ],
  ])('with B = 0 equals the %s base exactly', (_kind, make) => {
    const base = make();
    const layer = new LoraLinear(make(), { name: 'q', r: R, alpha: 16 });
    const x = input(3);
    expect(layer.forward(x, T, evalCtx).out).toEqual(base.forward(x, T, evalCtx).out);
    expect(layer.loraB.data.every((v) => v === 0)).toBe(true);
  });

  test('computes base(x) + s·x·Aᵀ·Bᵀ (written out elementwise)', () => {
    const layer = new LoraLinear(dense(1), { name: 'q', r: R, alpha: 6, init: false, rng: uniformStream(9) });
    const x = input(3);
    const y = layer.forward(x, T, evalCtx).out;
    const base = dense(1).forward(x, T, evalCtx).out;
    const expected = new Float64Array(T * OUT);
    const A = layer.loraA.data;
    const B = layer.loraB.data;
    for (let t = 0; t < T; t++)
      for (let o = 0; o < OUT; o++) {
        let sum = 0;
        for (let k = 0; k < R; k++) {
          let h = 0;
          for (let i = 0; i < IN; i++) h += x[t * IN + i]! * A[k * IN + i]!;
          sum += h * B[o * R + k]!;
        }
        expected[t * OUT + o] = base[t * OUT + o]! + (6 / R) * sum;
      }
    expectClose(y, expected, { rtol: 1e-6, atol: 1e-6 }, 'lora forward');
  });

  test('rsLoRA scales by α/√r', () => {
    expect(new LoraLinear(dense(1), { name: 'q', r: 4, alpha: 8, useRslora: true }).scaling).toBe(4);
    expect(new LoraLinear(dense(1), { name: 'q', r: 4, alpha: 8 }).scaling).toBe(2);
  });

  test('dropout runs only in training, with the mask drawn from ctx.rng', () => {
    const layer = new LoraLinear(dense(1), {
      name: 'q',
      r: R,
      alpha: 6,
      dropout: 0.5,
      init: false,
      rng: uniformStream(9),
    });
    const x = input(3);
    const evalOut = layer.forward(x, T, evalCtx).out;
    expect(layer.forward(x, T, { training: true }).out).not.toEqual(evalOut);
    const a = layer.forward(x, T, { training: true, rng: uniformStream(5) }).out;
    const b = layer.forward(x, T, { training: true, rng: uniformStream(5) }).out;
    expect(a).toEqual(b);
    expect(layer.forward(x, T, { training: false, rng: uniformStream(5) }).out).toEqual(evalOut);
  });

  test('rejects an input of the wrong size', () => {
    const layer = new LoraLinear(dense(1), { name: 'q', r: R, alpha: 6 });
    expect(() => layer.forward(new Float32Array(IN * T - 1), T, evalCtx)).toThrowError(
      /input expected 4×6 values, got 23/,
    );
  });
});

describe('LoraLinear backward vs central differences (float64)', () => {
  test.each([
    ['no dropout', 0, false],
    ['dropout 0.3 (fixed mask)', 0.3, false],
    ['rsLoRA, dropout 0.5', 0.5, true],
  ])('%s: dx, dA, dB and the base bias', (_what, dropout, useRslora) => {
    const base = dense(1, true);
    base.bias!.trainable = true;
    const layer = new LoraLinear(base, {
      name: 'q',
      r: R,
      alpha: 6,
      dropout,
      useRslora,
      init: false,
      rng: uniformStream(9),
    });
    layer.loraA.data = f64(layer.loraA.data);
    layer.loraB.data = f64(layer.loraB.data);
    const x = Float64Array.from(input(3));
    const dy = Float64Array.from(randomWeights(T * OUT, makeRng(4).next, 2));
    const ctx = (): ForwardContext => ({ training: true, rng: uniformStream(11) });
    const loss = () => weightedSum(layer.forward(x as unknown as Float32Array, T, ctx()).out, dy);
    const { cache } = layer.forward(x as unknown as Float32Array, T, ctx());
    const dx = layer.backward(dy as unknown as Float32Array, cache);
    gradcheck(loss, [
      { name: 'dx', value: x, grad: dx },
      { name: 'dA', value: layer.loraA.data as unknown as Float64Array, grad: layer.loraA.grad! },
      { name: 'dB', value: layer.loraB.data as unknown as Float64Array, grad: layer.loraB.grad! },
      { name: 'dbias', value: base.bias!.data as unknown as Float64Array, grad: base.bias!.grad! },
    ]);
  });

  test('dx accumulates into a given buffer and frozen A/B get no gradient', () => {
    const layer = new LoraLinear(dense(1), { name: 'q', r: R, alpha: 6, init: false, rng: uniformStream(9) });
    layer.loraA.trainable = false; // frozen, as injectLora freezes: no gradient buffer
    layer.loraA.grad = undefined;
    const x = input(3);
    const dy = randomWeights(T * OUT, makeRng(4).next);
    const { cache } = layer.forward(x, T, evalCtx);
    const fresh = layer.backward(dy, cache);
    const acc = new Float32Array(T * IN).fill(1);
    const returned = layer.backward(dy, cache, acc);
    expect(returned).toBe(acc);
    expectClose(
      acc,
      fresh.map((v) => v + 1),
      { rtol: 1e-6, atol: 1e-6 },
      'accumulated dx',
    );
    expect(layer.loraA.grad).toBeUndefined();
    expect(layer.loraB.grad).toBeDefined();
  });
});

describe('LoraLinear buffer reuse', () => {
  const make = (dropout = 0) =>
    new LoraLinear(dense(1), { name: 'q', r: R, alpha: 6, dropout, init: false, rng: uniformStream(9) });
  const dy = randomWeights(T * OUT, makeRng(4).next);
  /** dx, dA and dB of one forward + backward on a fresh layer */
  const fresh = (x: Float32Array, ctx: ForwardContext, dropout = 0) => {
    const layer = make(dropout);
    const dx = layer.backward(dy, layer.forward(x, T, ctx).cache);
    return [dx, layer.loraA.grad!, layer.loraB.grad!];
  };
  const hOf = (cache: { extra?: unknown }) => (cache.extra as { h: Float32Array }).h;

  test('a forward on the same input array reuses x·Aᵀ’s buffer; earlier caches, of any input, stay valid', () => {
    const layer = make();
    const [x, other] = [input(3), input(5)];
    const first = layer.forward(x, T, evalCtx).cache;
    const again = layer.forward(x, T, evalCtx).cache;
    expect(hOf(again)).toBe(hOf(first));
    const third = layer.forward(other, T, evalCtx).cache;
    expect(hOf(third)).not.toBe(hOf(first));
    const dx = layer.backward(dy, first);
    expect([dx, layer.loraA.grad!, layer.loraB.grad!]).toEqual(fresh(x, evalCtx));
    layer.loraA.grad!.fill(0);
    layer.loraB.grad!.fill(0);
    expect([layer.backward(dy, third), layer.loraA.grad!, layer.loraB.grad!]).toEqual(fresh(other, evalCtx));
  });

  test('with dropout each forward keeps its own mask and x·Aᵀ', () => {
    const layer = make(0.5);
    const x = input(3);
    const ctx = (seed: number): ForwardContext => ({ training: true, rng: uniformStream(seed) });
    const first = layer.forward(x, T, ctx(5)).cache;
    const second = layer.forward(x, T, ctx(6)).cache;
    expect(hOf(second)).not.toBe(hOf(first));
    const dx = layer.backward(dy, first);
    expect([dx, layer.loraA.grad!, layer.loraB.grad!]).toEqual(fresh(x, ctx(5), 0.5));
  });
});

describe('merge / unmerge', () => {
  test('merged forward equals the unmerged forward; unmerge restores the base', () => {
    const base = dense(1);
    const original = base.weight.data.slice();
    const layer = new LoraLinear(base, { name: 'q', r: R, alpha: 6, init: false, rng: uniformStream(9) });
    const x = input(3);
    const before = layer.forward(x, T, evalCtx).out;
    layer.merge();
    expect(layer.merged).toBe(true);
    expectClose(layer.forward(x, T, evalCtx).out, before, { rtol: 1e-6, atol: 1e-6 }, 'merged forward');
    expect(() => layer.merge()).toThrowError(MergeError);
    layer.unmerge();
    expectClose(base.weight.data, original, { rtol: 0, atol: 1e-6 }, 'unmerged weight');
    expectClose(
      layer.forward(x, T, evalCtx).out,
      before,
      { rtol: 1e-6, atol: 1e-6 },
      'forward after unmerge',
    );
    expect(() => layer.unmerge()).toThrowError(MergeError);
  });

  test('denseWeight() is W + s·BA', () => {
    const layer = new LoraLinear(dense(1), { name: 'q', r: R, alpha: 6, init: false, rng: uniformStream(9) });
    const delta = layer.deltaWeight();
    const w = dense(1).weight.data;
    expectClose(
      layer.denseWeight().weight,
      w.map((v, k) => v + delta[k]!),
      { rtol: 0, atol: 1e-7 },
      'dense weight',
    );
  });

  test('a 4-bit base cannot be merged in place', () => {
    const layer = new LoraLinear(new Toy4bitLinear('q', IN, OUT, randomWeights(OUT * IN, makeRng(1).next)), {
      name: 'q',
      r: R,
      alpha: 6,
    });
    expect(() => layer.merge()).toThrowError(MergeError);
    expect(() => layer.merge()).toThrowError(/a 4-bit base cannot be merged in place; use mergeAndUnload/);
  });
});

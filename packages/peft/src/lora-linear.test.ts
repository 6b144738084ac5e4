import { asKernelArray, type ForwardContext, gradcheck, uniformStream, weightedSum } from '@lora/core';
import { expectClose, hostF32, hostF64, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { LoraConfigError, MergeError } from './errors.js';
import { LoraLinear } from './lora-linear.js';
import {
  droppedInput,
  f64,
  randomWeights,
  Toy4bitLinear,
  ToyLinear,
  toF64,
} from './toy-linears.test-support.js';

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
    expect(hostF32(layer.forward(x, T, evalCtx).out)).toEqual(hostF32(base.forward(x, T, evalCtx).out));
    expect(hostF32(layer.loraB.data).every((v) => v === 0)).toBe(true);
  });

  /** base(x_d?) + s·x_d·Aᵀ·Bᵀ written out elementwise in float64, from x_d (the input as the LoRA branch sees it). */
  function writtenOut(layer: LoraLinear, x: Float32Array, xd: ArrayLike<number>): Float64Array {
    const base = hostF32(dense(1).forward(x, T, evalCtx).out);
    const expected = new Float64Array(T * OUT);
    const A = hostF32(layer.loraA.data);
    const B = hostF32(layer.loraB.data);
    for (let t = 0; t < T; t++)
      for (let o = 0; o < OUT; o++) {
        let sum = 0;
        for (let k = 0; k < R; k++) {
          let h = 0;
          for (let i = 0; i < IN; i++) h += xd[t * IN + i]! * A[k * IN + i]!;
          sum += h * B[o * R + k]!;
        }
        expected[t * OUT + o] = base[t * OUT + o]! + (6 / R) * sum;
      }
    return expected;
  }

  test('computes base(x) + s·x·Aᵀ·Bᵀ (written out elementwise)', () => {
    const layer = new LoraLinear(dense(1), { name: 'q', r: R, alpha: 6, init: false, rng: uniformStream(9) });
    const x = input(3);
    const y = hostF32(layer.forward(x, T, evalCtx).out);
    expectClose(y, writtenOut(layer, x, x), { rtol: 1e-6, atol: 1e-6 }, 'lora forward');
  });

  test('in training, dropout applies to the LoRA branch only: one seed from ctx.rng per forward, the counter-stream mask', () => {
    const layer = new LoraLinear(dense(1), {
      name: 'q',
      r: R,
      alpha: 6,
      dropout: 0.5,
      init: false,
      rng: uniformStream(9),
    });
    const x = input(3);
    const y = hostF32(layer.forward(x, T, { training: true, rng: uniformStream(5) }).out);
    const xd = droppedInput(x, 0.5, uniformStream(5));
    const dropped = xd.filter((v) => v === 0).length;
    expect(dropped).toBeGreaterThan(0); // the mask really drops something here …
    expect(dropped).toBeLessThan(T * IN); // … and keeps something
    expectClose(y, writtenOut(layer, x, xd), { rtol: 1e-6, atol: 1e-6 }, 'lora forward with dropout');
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
    const evalOut = hostF32(layer.forward(x, T, evalCtx).out);
    expect(hostF32(layer.forward(x, T, { training: true }).out)).not.toEqual(evalOut);
    const a = hostF32(layer.forward(x, T, { training: true, rng: uniformStream(5) }).out);
    const b = hostF32(layer.forward(x, T, { training: true, rng: uniformStream(5) }).out);
    expect(a).toEqual(b);
    expect(hostF32(layer.forward(x, T, { training: true, rng: uniformStream(6) }).out)).not.toEqual(a);
    expect(hostF32(layer.forward(x, T, { training: false, rng: uniformStream(5) }).out)).toEqual(evalOut);
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
    toF64(layer.loraA);
    toF64(layer.loraB);
    const x = f64(input(3));
    const dy = f64(randomWeights(T * OUT, makeRng(4).next, 2));
    // the same seed for every forward: the mask is fixed, so backward must redraw exactly the forward's
    const ctx = (): ForwardContext => ({ training: true, rng: uniformStream(11) });
    const loss = () => weightedSum(hostF64(layer.forward(asKernelArray(x), T, ctx()).out), dy);
    const { cache } = layer.forward(asKernelArray(x), T, ctx());
    const dx = layer.backward(asKernelArray(dy), cache);
    gradcheck(loss, [
      { name: 'dx', value: x, grad: hostF64(dx) },
      { name: 'dA', value: hostF64(layer.loraA.data), grad: hostF64(layer.loraA.grad!) },
      { name: 'dB', value: hostF64(layer.loraB.data), grad: hostF64(layer.loraB.grad!) },
      { name: 'dbias', value: hostF64(base.bias!.data), grad: hostF64(base.bias!.grad!) },
    ]);
  });

  test('dx accumulates into a given buffer and frozen A/B get no gradient', () => {
    const layer = new LoraLinear(dense(1), { name: 'q', r: R, alpha: 6, init: false, rng: uniformStream(9) });
    layer.loraA.trainable = false; // frozen, as injectLora freezes: no gradient buffer
    layer.loraA.grad = undefined;
    const x = input(3);
    const dy = randomWeights(T * OUT, makeRng(4).next);
    const { cache } = layer.forward(x, T, evalCtx);
    const fresh = hostF32(layer.backward(dy, cache));
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
    return [dx, layer.loraA.grad!, layer.loraB.grad!].map(hostF32);
  };
  const hOf = (cache: { extra?: unknown }) => (cache.extra as { h: Float32Array }).h;
  const gradsOf = (layer: LoraLinear) => [layer.loraA.grad!, layer.loraB.grad!].map(hostF32);
  const stale =
    /backward: expected the cache of the latest forward on this input, got one a later forward overwrote/;

  test('a forward on the same input array reuses x·Aᵀ’s buffer; backward from the latest forward is exact', () => {
    const layer = make();
    const x = input(3);
    const first = layer.forward(x, T, evalCtx).cache;
    const again = layer.forward(x, T, evalCtx).cache;
    expect(hOf(again)).toBe(hOf(first));
    const dx = hostF32(layer.backward(dy, again));
    expect([dx, ...gradsOf(layer)]).toEqual(fresh(x, evalCtx));
    // backward may run twice from one forward (its cache stays valid until the next forward)
    const [dA, dB] = gradsOf(layer).map((g) => g.slice());
    layer.backward(dy, again);
    expectClose(
      gradsOf(layer)[0]!,
      dA!.map((v) => 2 * v),
      { rtol: 1e-6, atol: 1e-7 },
      'dA twice',
    );
    expectClose(
      gradsOf(layer)[1]!,
      dB!.map((v) => 2 * v),
      { rtol: 1e-6, atol: 1e-7 },
      'dB twice',
    );
  });

  test('a backward whose forward a later one replaced throws LoraConfigError and touches no gradient', () => {
    const layer = make();
    const [x, other] = [input(3), input(5)];
    const first = layer.forward(x, T, evalCtx).cache;
    const third = layer.forward(other, T, evalCtx).cache;
    expect(hOf(third)).not.toBe(hOf(first));
    const acc = new Float32Array(T * IN);
    expect(() => layer.backward(dy, first, acc)).toThrowError(LoraConfigError);
    expect(() => layer.backward(dy, first)).toThrowError(stale);
    expect(acc.every((v) => v === 0)).toBe(true); // nothing was accumulated before the check failed
    expect(gradsOf(layer).every((g) => g.every((v) => v === 0))).toBe(true);
    expect([hostF32(layer.backward(dy, third)), ...gradsOf(layer)]).toEqual(fresh(other, evalCtx));
    // a later forward on the same array replaces it as well
    const fourth = layer.forward(other, T, evalCtx).cache;
    layer.forward(other, T, evalCtx);
    expect(() => layer.backward(dy, fourth)).toThrowError(stale);
  });

  test('with dropout, backward redraws the mask of the latest forward (its seed), never an earlier one', () => {
    const layer = make(0.5);
    const x = input(3);
    const ctx = (seed: number): ForwardContext => ({ training: true, rng: uniformStream(seed) });
    const first = layer.forward(x, T, ctx(5)).cache;
    const second = layer.forward(x, T, ctx(6)).cache;
    expect(() => layer.backward(dy, first)).toThrowError(stale);
    const dx = hostF32(layer.backward(dy, second));
    const expected = fresh(x, ctx(6), 0.5);
    expect([dx, ...gradsOf(layer)]).toEqual(expected);
    expect(expected).not.toEqual(fresh(x, ctx(5), 0.5)); // the two masks give different gradients
  });
});

describe('merge / unmerge', () => {
  test('merged forward equals the unmerged forward; unmerge restores the base', () => {
    const base = dense(1);
    const original = hostF32(base.weight.data).slice();
    const layer = new LoraLinear(base, { name: 'q', r: R, alpha: 6, init: false, rng: uniformStream(9) });
    const x = input(3);
    const before = hostF32(layer.forward(x, T, evalCtx).out);
    layer.merge();
    expect(layer.merged).toBe(true);
    expectClose(
      hostF32(layer.forward(x, T, evalCtx).out),
      before,
      { rtol: 1e-6, atol: 1e-6 },
      'merged forward',
    );
    expect(hostF32(base.weight.data)).not.toEqual(original);
    expect(() => layer.merge()).toThrowError(MergeError);
    layer.unmerge();
    expectClose(hostF32(base.weight.data), original, { rtol: 0, atol: 1e-6 }, 'unmerged weight');
    expectClose(
      hostF32(layer.forward(x, T, evalCtx).out),
      before,
      { rtol: 1e-6, atol: 1e-6 },
      'forward after unmerge',
    );
    expect(() => layer.unmerge()).toThrowError(MergeError);
  });

  test('deltaWeight() is s·BA and denseWeight() is W + s·BA', () => {
    const layer = new LoraLinear(dense(1), { name: 'q', r: R, alpha: 6, init: false, rng: uniformStream(9) });
    const delta = hostF32(layer.deltaWeight());
    const [A, B] = [hostF32(layer.loraA.data), hostF32(layer.loraB.data)];
    const sBA = Float64Array.from({ length: OUT * IN }, (_, k) => {
      const [o, i] = [Math.floor(k / IN), k % IN];
      let sum = 0;
      for (let j = 0; j < R; j++) sum += B[o * R + j]! * A[j * IN + i]!;
      return (6 / R) * sum;
    });
    expectClose(delta, sBA, { rtol: 1e-6, atol: 1e-7 }, 's·BA');
    const w = hostF32(dense(1).weight.data);
    expectClose(
      hostF32(layer.denseWeight().weight),
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

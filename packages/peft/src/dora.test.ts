import {
  type ForwardContext,
  GradcheckError,
  gradcheck,
  kernel,
  type LinearModule,
  uniformStream,
  weightedSum,
} from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { applyMask, dropoutMask } from './buffers.js';
import { doraForward, doraWeightNorm } from './dora.js';
import { LoraConfigError } from './errors.js';
import { LoraLinear } from './lora-linear.js';
import { f64, randomWeights, Toy4bitLinear, ToyLinear } from './toy-linears.test-support.js';

const IN = 6;
const OUT = 5;
const T = 4;
const R = 2;
const evalCtx: ForwardContext = { training: false };

function dense(asF64: boolean): ToyLinear {
  const rng = makeRng(1);
  const w = randomWeights(OUT * IN, rng.next);
  const b = randomWeights(OUT, rng.next);
  return new ToyLinear('m', IN, OUT, asF64 ? f64(w) : w, asF64 ? f64(b) : b);
}

/** A DoRA layer in float64 with random A, B and a magnitude away from ‖W + s·BA‖ (as after training). */
function doraLayer(base: LinearModule, dropout = 0): LoraLinear {
  const layer = new LoraLinear(base, {
    name: 'm',
    r: R,
    alpha: 4,
    dropout,
    useDora: true,
    init: false,
    rng: uniformStream(9),
  });
  layer.loraA.data = f64(layer.loraA.data);
  layer.loraB.data = f64(layer.loraB.data);
  layer.magnitude!.data = f64(layer.magnitude!.data.map((v, j) => v * (1 + 0.1 * (j + 1))));
  return layer;
}

const x = Float64Array.from(randomWeights(T * IN, makeRng(3).next, 2));
const dy = Float64Array.from(randomWeights(T * OUT, makeRng(4).next, 2));
const as32 = (a: Float64Array) => a as unknown as Float32Array;

/** PEFT's DoRA forward written out from its parts with the weight norm held fixed (the detach). */
function frozenNormForward(layer: LoraLinear, norm: Float64Array, ctx: ForwardContext): Float32Array {
  const { weight, bias } = layer.base.denseWeight!();
  const y = layer.base.forward(as32(x), T, ctx).out;
  const keep = ctx.training && layer.dropout > 0 ? dropoutMask(T * IN, layer.dropout, ctx.rng!) : undefined;
  const xd = keep ? applyMask(as32(x), keep, 1 / (1 - layer.dropout)) : as32(x);
  const matmul = kernel('matmul');
  const h = new Float64Array(T * R) as unknown as Float32Array;
  matmul({ a: xd, b: layer.loraA.data, out: h, m: T, n: R, k: IN, transB: true });
  const lora = new Float64Array(T * OUT) as unknown as Float32Array;
  matmul({ a: h, b: layer.loraB.data, out: lora, m: T, n: OUT, k: R, transB: true });
  const baseOut = new Float64Array(T * OUT) as unknown as Float32Array;
  matmul({ a: xd, b: weight, out: baseOut, m: T, n: OUT, k: IN, transB: true });
  if (!keep) for (let k = 0; k < T * OUT; k++) baseOut[k] = y[k]! - bias![k % OUT]!;
  doraForward(y, lora, baseOut, layer.magnitude!.data, norm, layer.scaling, T);
  return y;
}

describe('DoRA forward', () => {
  test('starts with m = ‖W‖ per row and (B = 0) computes the base', () => {
    const layer = new LoraLinear(dense(false), { name: 'm', r: R, alpha: 4, useDora: true });
    const w = dense(false).weight.data;
    const rowNorms = Array.from({ length: OUT }, (_, j) => Math.hypot(...w.subarray(j * IN, (j + 1) * IN)));
    expectClose(layer.magnitude!.data, rowNorms, { rtol: 1e-7, atol: 0 }, 'magnitude');
    const x32 = Float32Array.from(x);
    expectClose(
      layer.forward(x32, T, evalCtx).out,
      dense(false).forward(x32, T, evalCtx).out,
      { rtol: 1e-6, atol: 1e-6 },
      'forward',
    );
  });

  test('equals its parts assembled with PEFT formula, and merged forward equals it', () => {
    const layer = doraLayer(dense(true));
    const norm = doraWeightNorm({
      weight: layer.base.denseWeight!().weight,
      a: layer.loraA.data,
      b: layer.loraB.data,
      scaling: layer.scaling,
      inFeatures: IN,
      outFeatures: OUT,
      r: R,
    });
    const y = layer.forward(as32(x), T, evalCtx).out;
    expectClose(y, frozenNormForward(layer, norm, evalCtx), { rtol: 1e-12, atol: 1e-12 }, 'assembled');
    const original = layer.base.denseWeight!().weight;
    layer.merge();
    expectClose(layer.forward(as32(x), T, evalCtx).out, y, { rtol: 1e-12, atol: 1e-12 }, 'merged');
    layer.unmerge();
    expectClose(layer.base.denseWeight!().weight, original, { rtol: 0, atol: 1e-12 }, 'unmerged weight');
  });

  test('needs a base with denseWeight()', () => {
    const base = dense(false);
    const bare: LinearModule = {
      inFeatures: IN,
      outFeatures: OUT,
      forward: base.forward.bind(base),
      backward: base.backward.bind(base),
      parameters: () => [],
    };
    expect(() => new LoraLinear(bare, { name: 'm', r: R, alpha: 4, useDora: true })).toThrowError(
      LoraConfigError,
    );
  });
});

describe('DoRA backward vs central differences (float64)', () => {
  test.each([
    ['dense base, no dropout', () => dense(true), 0],
    ['dense base, dropout 0.4', () => dense(true), 0.4],
    [
      '4-bit base',
      () =>
        new Toy4bitLinear(
          'm',
          IN,
          OUT,
          randomWeights(OUT * IN, makeRng(1).next),
          f64(randomWeights(OUT, makeRng(2).next)),
        ),
      0,
    ],
  ])('%s: dx and dm exactly; dA and dB with the norm detached as PEFT does', (_what, make, dropout) => {
    const layer = doraLayer(make(), dropout);
    const ctx = (): ForwardContext => ({ training: true, rng: uniformStream(11) });
    const { cache } = layer.forward(as32(x), T, ctx());
    const dx = layer.backward(as32(dy), cache);
    const loss = () => weightedSum(layer.forward(as32(x), T, ctx()).out, dy);
    gradcheck(loss, [
      { name: 'dx', value: x, grad: dx },
      { name: 'dm', value: layer.magnitude!.data as unknown as Float64Array, grad: layer.magnitude!.grad! },
    ]);
    const norm = doraWeightNorm({
      weight: layer.base.denseWeight!().weight,
      a: layer.loraA.data,
      b: layer.loraB.data,
      scaling: layer.scaling,
      inFeatures: IN,
      outFeatures: OUT,
      r: R,
    });
    expectClose(
      frozenNormForward(layer, norm, ctx()),
      layer.forward(as32(x), T, ctx()).out,
      { rtol: 1e-12, atol: 1e-12 },
      'frozen-norm forward',
    );
    const frozenLoss = () => weightedSum(frozenNormForward(layer, norm, ctx()), dy);
    gradcheck(frozenLoss, [
      { name: 'dA', value: layer.loraA.data as unknown as Float64Array, grad: layer.loraA.grad! },
      { name: 'dB', value: layer.loraB.data as unknown as Float64Array, grad: layer.loraB.grad! },
    ]);
    // the norm really is detached: the full derivative (norm moving with B) differs from the gradient PEFT takes
    expect(() =>
      gradcheck(loss, [
        { name: 'dB', value: layer.loraB.data as unknown as Float64Array, grad: layer.loraB.grad! },
      ]),
    ).toThrowError(GradcheckError);
  });
});

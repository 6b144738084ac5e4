import {
  asKernelArray,
  type F32,
  type ForwardContext,
  GradcheckError,
  gradcheck,
  kernel,
  type LinearModule,
  uniformStream,
  weightedSum,
} from '@lora/core';
import { expectClose, hostF32, hostF64, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { doraForward, doraWeightNorm } from './dora.js';
import { LoraConfigError } from './errors.js';
import { LoraLinear } from './lora-linear.js';
import {
  droppedInput,
  f64,
  hostKernelArray,
  randomWeights,
  Toy4bitLinear,
  ToyLinear,
  toF64,
} from './toy-linears.test-support.js';

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
  toF64(layer.loraA);
  toF64(layer.loraB);
  layer.magnitude!.data = f64(hostF32(layer.magnitude!.data).map((v, j) => v * (1 + 0.1 * (j + 1))));
  if (layer.magnitude!.grad) layer.magnitude!.grad = new Float64Array(OUT);
  return layer;
}

const x = f64(randomWeights(T * IN, makeRng(3).next, 2));
const dy = f64(randomWeights(T * OUT, makeRng(4).next, 2));
const as32 = asKernelArray;

/** ‖W + s·BA‖ per row of the layer's current weights. */
function normOf(layer: LoraLinear): Float64Array {
  return doraWeightNorm({
    weight: hostKernelArray(layer.base.denseWeight!().weight),
    a: hostKernelArray(layer.loraA.data),
    b: hostKernelArray(layer.loraB.data),
    scaling: layer.scaling,
    inFeatures: IN,
    outFeatures: OUT,
    r: R,
  });
}

/**
 * PEFT's DoRA forward written out from its parts with the weight norm held fixed (the detach); in training, x_d is
 * the dropout drawn from ctx.rng as written out in droppedInput (independently of the layer).
 */
function frozenNormForward(layer: LoraLinear, norm: Float64Array, ctx: ForwardContext): Float64Array {
  const { weight, bias } = layer.base.denseWeight!();
  const y = hostF64(layer.base.forward(as32(x), T, ctx).out);
  const dropping = ctx.training && layer.dropout > 0;
  const xd: F32 = dropping ? droppedInput(x, layer.dropout, ctx.rng!) : x;
  const matmul = kernel('matmul');
  const h = new Float64Array(T * R);
  matmul({ a: xd, b: layer.loraA.data, out: h, m: T, n: R, k: IN, transB: true });
  const lora = new Float64Array(T * OUT);
  matmul({ a: h, b: layer.loraB.data, out: lora, m: T, n: OUT, k: R, transB: true });
  const baseOut = new Float64Array(T * OUT);
  matmul({ a: xd, b: weight, out: baseOut, m: T, n: OUT, k: IN, transB: true });
  const b = hostKernelArray(bias!);
  if (!dropping) for (let k = 0; k < T * OUT; k++) baseOut[k] = y[k]! - b[k % OUT]!;
  doraForward(
    as32(y),
    as32(lora),
    as32(baseOut),
    hostKernelArray(layer.magnitude!.data),
    norm,
    layer.scaling,
    T,
  );
  return y;
}

describe('DoRA forward', () => {
  test('starts with m = ‖W‖ per row and (B = 0) computes the base', () => {
    const layer = new LoraLinear(dense(false), { name: 'm', r: R, alpha: 4, useDora: true });
    const w = hostF32(dense(false).weight.data);
    const rowNorms = Array.from({ length: OUT }, (_, j) => Math.hypot(...w.subarray(j * IN, (j + 1) * IN)));
    expectClose(hostF32(layer.magnitude!.data), rowNorms, { rtol: 1e-7, atol: 0 }, 'magnitude');
    const x32 = Float32Array.from(x);
    expectClose(
      hostF32(layer.forward(x32, T, evalCtx).out),
      hostF32(dense(false).forward(x32, T, evalCtx).out),
      { rtol: 1e-6, atol: 1e-6 },
      'forward',
    );
  });

  test('equals its parts assembled with PEFT formula, and merged forward equals it', () => {
    const layer = doraLayer(dense(true));
    const norm = normOf(layer);
    const y = hostF64(layer.forward(as32(x), T, evalCtx).out);
    expectClose(y, frozenNormForward(layer, norm, evalCtx), { rtol: 1e-12, atol: 1e-12 }, 'assembled');
    const original = hostF64(layer.base.denseWeight!().weight);
    layer.merge();
    expectClose(hostF64(layer.forward(as32(x), T, evalCtx).out), y, { rtol: 1e-12, atol: 1e-12 }, 'merged');
    layer.unmerge();
    expectClose(
      hostF64(layer.base.denseWeight!().weight),
      original,
      { rtol: 0, atol: 1e-12 },
      'unmerged weight',
    );
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

  test('refuses a base whose weight is a device array (DoRA runs on host arrays only)', () => {
    const base = dense(false);
    const device: F32 = {
      length: OUT * IN,
      [Symbol.toStringTag]: 'DeviceF32',
      subarray: () => device,
    };
    const onDevice: LinearModule = {
      inFeatures: IN,
      outFeatures: OUT,
      forward: base.forward.bind(base),
      backward: base.backward.bind(base),
      parameters: () => [],
      denseWeight: () => ({ weight: device, bias: undefined }),
    };
    expect(() => new LoraLinear(onDevice, { name: 'm', r: R, alpha: 4, useDora: true })).toThrowError(
      /LoraLinear m: DoRA \(use_dora\) expected arrays in host memory .*, got a device array/,
    );
    expect(() => new LoraLinear(onDevice, { name: 'm', r: R, alpha: 4, useDora: true })).toThrowError(
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
    const dx = hostF64(layer.backward(as32(dy), cache));
    const loss = () => weightedSum(hostF64(layer.forward(as32(x), T, ctx()).out), dy);
    gradcheck(loss, [
      { name: 'dx', value: x, grad: dx },
      { name: 'dm', value: hostF64(layer.magnitude!.data), grad: hostF64(layer.magnitude!.grad!) },
    ]);
    const norm = normOf(layer);
    expectClose(
      frozenNormForward(layer, norm, ctx()),
      hostF64(layer.forward(as32(x), T, ctx()).out),
      { rtol: 1e-12, atol: 1e-12 },
      'frozen-norm forward',
    );
    const frozenLoss = () => weightedSum(frozenNormForward(layer, norm, ctx()), dy);
    const [A, B] = [layer.loraA, layer.loraB];
    gradcheck(frozenLoss, [
      { name: 'dA', value: hostF64(A.data), grad: hostF64(A.grad!) },
      { name: 'dB', value: hostF64(B.data), grad: hostF64(B.grad!) },
    ]);
    // the norm really is detached: the full derivative (norm moving with B) differs from the gradient PEFT takes
    expect(() =>
      gradcheck(loss, [{ name: 'dB', value: hostF64(B.data), grad: hostF64(B.grad!) }]),
    ).toThrowError(GradcheckError);
  });
});

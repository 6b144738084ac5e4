import { gradcheck, weightedSum } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { DenseLinear } from './dense-linear.js';
import { ModelLoadError } from './errors.js';
import { asF64, ctx, f64, host } from './test-support.test-support.js';

describe('DenseLinear', () => {
  const [rows, inF, outF] = [3, 5, 4];

  test('forward is x · Wᵀ + b', () => {
    const w = Float32Array.from([1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]); // (4, 5)
    const layer = new DenseLinear({
      name: 'fc',
      inFeatures: 5,
      outFeatures: 4,
      weight: w,
      bias: Float32Array.from([0, 0, 10, 0]),
    });
    const x = Float32Array.from([1, 2, 3, 4, 5]);
    expect(Array.from(host(layer.forward(x, 1, ctx).out))).toEqual([1, 4, 15, 15]);
  });

  test.each([{ bias: true }, { bias: false }])(
    'dx, dW and db match finite differences in float64 (bias $bias)',
    ({ bias }) => {
      const layer = new DenseLinear({
        name: 'model.layers.0.mlp.up_proj',
        inFeatures: inF,
        outFeatures: outF,
        weight: f64(outF * inF, 1),
        bias: bias ? f64(outF, 2) : undefined,
      });
      for (const p of layer.parameters()) p.trainable = true;
      const x = f64(rows * inF, 3);
      const wts = f64(rows * outF, 4);
      const loss = () => weightedSum(host(layer.forward(x, rows, ctx).out), wts);
      const dx = layer.backward(wts, { x, rows });
      const inputs = [
        { name: 'dx', value: asF64(x), grad: host(dx) },
        ...layer.parameters().map((p) => ({ name: p.name, value: asF64(p.data), grad: host(p.grad!) })),
      ];
      gradcheck(loss, inputs, { rtol: 1e-6, atol: 1e-9 });
    },
  );

  test('frozen parameters get no gradient; dxAccumulate is added into and returned', () => {
    const layer = new DenseLinear({
      name: 'fc',
      inFeatures: inF,
      outFeatures: outF,
      weight: f64(outF * inF, 5),
      bias: f64(outF, 6),
    });
    const x = f64(rows * inF, 7);
    const dy = f64(rows * outF, 8);
    const dx = layer.backward(dy, { x, rows });
    const acc = Float64Array.from(asF64(dx), (v) => v + 1) as unknown as Float32Array;
    const into = Float64Array.from({ length: rows * inF }, () => 1) as unknown as Float32Array;
    expect(layer.backward(dy, { x, rows }, into)).toBe(into);
    expectClose(into, acc, { rtol: 1e-12, atol: 1e-12 }, 'accumulated dx');
    expect(layer.parameters().map((p) => [p.name, p.grad, p.decay])).toEqual([
      ['fc.weight', undefined, true],
      ['fc.bias', undefined, false],
    ]);
  });

  test('gradients accumulate across calls; denseWeight() is a copy', () => {
    const layer = new DenseLinear({
      name: 'fc',
      inFeatures: 2,
      outFeatures: 1,
      weight: Float32Array.from([1, 1]),
      bias: Float32Array.from([0]),
    });
    for (const p of layer.parameters()) p.trainable = true;
    const x = Float32Array.from([1, 2]);
    layer.backward(Float32Array.from([1]), { x, rows: 1 });
    layer.backward(Float32Array.from([2]), { x, rows: 1 });
    expect(Array.from(host(layer.weight.grad!))).toEqual([3, 6]);
    expect(Array.from(host(layer.bias!.grad!))).toEqual([3]);
    const dense = layer.denseWeight();
    host(dense.weight)[0] = 9;
    expect(host(layer.weight.data)[0]).toBe(1);
  });

  test('a weight or bias of the wrong size is refused, naming the layer', () => {
    expect(
      () => new DenseLinear({ name: 'model.x', inFeatures: 3, outFeatures: 2, weight: new Float32Array(5) }),
    ).toThrow(ModelLoadError);
    expect(
      () => new DenseLinear({ name: 'model.x', inFeatures: 3, outFeatures: 2, weight: new Float32Array(5) }),
    ).toThrow('DenseLinear model.x: weight expected 2×3 values, got 5');
    expect(
      () =>
        new DenseLinear({
          name: 'model.y',
          inFeatures: 3,
          outFeatures: 2,
          weight: new Float32Array(6),
          bias: new Float32Array(3),
        }),
    ).toThrow('bias expected 2 values, got 3');
  });
});

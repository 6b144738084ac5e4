import { gradcheck, weightedSum } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { Norm, type NormKind } from './norm.js';
import { makeParameter } from './parameter.js';
import { asF64, f64, host } from './test-support.test-support.js';

const [rows, cols] = [3, 6];

function norm(kind: NormKind): Norm {
  const weight = makeParameter('n.weight', [cols], f64(cols, 1, 0.5), false);
  const bias = kind === 'layer' ? makeParameter('n.bias', [cols], f64(cols, 2, 0.5), false) : undefined;
  return new Norm(kind, weight, 1e-5, bias);
}

describe.each(['rms', 'rms1p', 'layer'] as const)('Norm %s', (kind) => {
  test('dx and the weight (and bias) gradients match finite differences in float64', () => {
    const n = norm(kind);
    for (const p of n.parameters()) p.trainable = true;
    const x = f64(rows * cols, 3, 2);
    const wts = f64(rows * cols, 4);
    const loss = () => weightedSum(host(n.forward(x, rows).out), wts);
    const dx = n.backward(wts, n.forward(x, rows).cache);
    gradcheck(
      loss,
      [
        { name: 'dx', value: asF64(x), grad: host(dx) },
        ...n.parameters().map((p) => ({ name: p.name, value: asF64(p.data), grad: host(p.grad!) })),
      ],
      {
        rtol: 1e-6,
        atol: 1e-9,
      },
    );
  });

  test('frozen weights get no gradient', () => {
    const n = norm(kind);
    const x = f64(rows * cols, 5);
    n.backward(f64(rows * cols, 6), n.forward(x, rows).cache);
    expect(n.parameters().every((p) => p.grad === undefined)).toBe(true);
  });
});

test('rms1p (Gemma) scales by 1 + w, rms (Llama) by w', () => {
  const x = Float32Array.from([3, 4]); // rms = √12.5
  const w = Float32Array.from([0.5, -1]);
  const scale = 1 / Math.sqrt(12.5 + 1e-6);
  const rms = new Norm('rms', makeParameter('w', [2], w, false), 1e-6).forward(x, 1).out;
  const gemma = new Norm('rms1p', makeParameter('w', [2], w, false), 1e-6).forward(x, 1).out;
  expectClose(host(rms), [3 * scale * 0.5, 4 * scale * -1], { rtol: 1e-6 }, 'rms');
  expectClose(host(gemma), [3 * scale * 1.5, 0], { rtol: 1e-6, atol: 1e-7 }, 'rms1p');
});

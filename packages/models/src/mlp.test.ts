import { type LinearModule, gradcheck, weightedSum } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, test } from 'vitest';
import { DenseLinear } from './dense-linear.js';
import { type Activation, Mlp, type MlpNames } from './mlp.js';
import { asF64, ctx, f64, host } from './test-support.test-support.js';

const [rows, C, I] = [3, 4, 6];

function build(activation: Activation, gated: boolean): { mlp: Mlp; linears: Map<string, LinearModule> } {
  const linears = new Map<string, LinearModule>();
  let seed = 20;
  const add = (name: string, inF: number, outF: number) =>
    linears.set(
      name,
      new DenseLinear({
        name,
        inFeatures: inF,
        outFeatures: outF,
        weight: f64(outF * inF, seed++, 0.7),
        bias: f64(outF, seed++, 0.3),
      }),
    );
  const names: MlpNames = gated
    ? { gate: 'mlp.gate_proj', up: 'mlp.up_proj', down: 'mlp.down_proj' }
    : { fc: 'mlp.c_fc', proj: 'mlp.c_proj' };
  if ('gate' in names) {
    add(names.gate, C, I);
    add(names.up, C, I);
    add(names.down, I, C);
  } else {
    add(names.fc, C, I);
    add(names.proj, I, C);
  }
  return { mlp: new Mlp(activation, names, (n) => linears.get(n)!), linears };
}

describe.each([
  { label: 'SwiGLU (Llama, Qwen2)', activation: 'silu' as const, gated: true },
  { label: 'GeGLU with tanh-GELU (Gemma)', activation: 'geluTanh' as const, gated: true },
  { label: 'c_fc → gelu_new → c_proj (GPT-2)', activation: 'geluTanh' as const, gated: false },
])('Mlp $label', ({ activation, gated }) => {
  test('dx and every weight gradient match finite differences in float64', () => {
    const { mlp, linears } = build(activation, gated);
    const params = [...linears.values()].flatMap((l) => l.parameters());
    for (const p of params) p.trainable = true;
    const x = f64(rows * C, 1);
    const wts = f64(rows * C, 2);
    const loss = () => weightedSum(host(mlp.forward(x, rows, ctx).out), wts);
    const dx = mlp.backward(wts, mlp.forward(x, rows, ctx).cache);
    gradcheck(
      loss,
      [
        { name: 'dx', value: asF64(x), grad: host(dx) },
        ...params.map((p) => ({ name: p.name, value: asF64(p.data), grad: host(p.grad!) })),
      ],
      {
        rtol: 1e-6,
        atol: 1e-9,
      },
    );
  });

  test('forward equals the formula on one row', () => {
    const { mlp, linears } = build(activation, gated);
    const x = f64(C, 3);
    const lin = (name: string, v: Float32Array) => host(linears.get(name)!.forward(v, 1, ctx).out);
    const act = (v: number) =>
      activation === 'silu'
        ? v / (1 + Math.exp(-v))
        : 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    let expected: Float32Array;
    if (gated) {
      const g = lin('mlp.gate_proj', x);
      const u = lin('mlp.up_proj', x);
      expected = lin(
        'mlp.down_proj',
        g.map((v, i) => act(v) * u[i]!),
      );
    } else {
      expected = lin('mlp.c_proj', lin('mlp.c_fc', x).map(act));
    }
    expectClose(host(mlp.forward(x, 1, ctx).out), expected, { rtol: 1e-12, atol: 1e-12 }, 'mlp');
  });
});

import { gradcheck, type LinearModule, weightedSum } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { Attention, type AttentionNames } from './attention.js';
import { DenseLinear } from './dense-linear.js';
import { RopeTables } from './rope.js';
import { asF64, ctx, f64, host, hostLayout } from './test-support.test-support.js';

const C = 8;

function build(fused: boolean): { attention: Attention; linears: Map<string, LinearModule> } {
  const heads = fused ? 2 : 4;
  const kvHeads = 2;
  const D = 4;
  const linears = new Map<string, LinearModule>();
  let seed = 10;
  const add = (name: string, inF: number, outF: number, bias: boolean) =>
    linears.set(
      name,
      new DenseLinear({
        name,
        inFeatures: inF,
        outFeatures: outF,
        weight: f64(outF * inF, seed++, 0.5),
        bias: bias ? f64(outF, seed++, 0.2) : undefined,
      }),
    );
  let names: AttentionNames;
  if (fused) {
    names = { qkv: 'attn.c_attn', o: 'attn.c_proj' };
    add(names.qkv, C, 3 * heads * D, true);
    add(names.o, heads * D, C, true);
  } else {
    names = { q: 'attn.q_proj', k: 'attn.k_proj', v: 'attn.v_proj', o: 'attn.o_proj' };
    add(names.q, C, heads * D, true);
    add(names.k, C, kvHeads * D, true);
    add(names.v, C, kvHeads * D, false);
    add(names.o, heads * D, C, false);
  }
  const rope = fused ? undefined : new RopeTables(D, 10000);
  const attention = new Attention(
    { heads, kvHeads: fused ? heads : kvHeads, headDim: D, scale: 1 / Math.sqrt(D), rope, names },
    (n) => linears.get(n)!,
  );
  return { attention, linears };
}

describe.each([
  { label: 'GQA with RoPE (Llama/Qwen2/Gemma)', fused: false },
  { label: 'fused c_attn without RoPE (GPT-2)', fused: true },
])('Attention, $label', ({ fused }) => {
  const [B, T] = [2, 5];
  const mask = Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 1, 1, 1]); // row 0 right-padded, row 1 left-padded
  const layout = hostLayout(B, T, mask);

  test('dx and every projection gradient match finite differences in float64, with padding', () => {
    const { attention, linears } = build(fused);
    const params = [...linears.values()].flatMap((l) => l.parameters());
    for (const p of params) p.trainable = true;
    const x = f64(B * T * C, 1);
    const wts = f64(B * T * C, 2);
    const loss = () => weightedSum(host(attention.forward(x, layout, ctx).out), wts);
    const dx = attention.backward(wts, attention.forward(x, layout, ctx).cache, layout);
    gradcheck(
      loss,
      [
        { name: 'dx', value: asF64(x), grad: host(dx) },
        ...params.map((p) => ({ name: p.name, value: asF64(p.data), grad: host(p.grad!) })),
      ],
      {
        rtol: 1e-6,
        atol: 1e-7, // the key bias has an exact zero gradient; finite differences of a loss ~100 leave ~1e-8 of round-off
      },
    );
  });

  test('with packed rows (position ids restarting at 0), gradients match finite differences in float64', () => {
    const { attention, linears } = build(fused);
    const params = [...linears.values()].flatMap((l) => l.parameters());
    for (const p of params) p.trainable = true;
    // row 0: examples of 3 and 2 tokens; row 1: one pad, then examples of 2 and 2 tokens (segments 3, 2, 3, 2)
    const positionIds = Int32Array.from([0, 1, 2, 0, 1, 0, 0, 1, 0, 1]);
    const packedMask = Uint8Array.from([1, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
    const packed = hostLayout(B, T, packedMask, positionIds);
    expect(packed.segments.map((s) => [s.start, s.length])).toEqual([
      [0, 3],
      [3, 2],
      [5, 3],
      [8, 2],
    ]);
    const x = f64(B * T * C, 4);
    const wts = f64(B * T * C, 5);
    const loss = () => weightedSum(host(attention.forward(x, packed, ctx).out), wts);
    const dx = attention.backward(wts, attention.forward(x, packed, ctx).cache, packed);
    gradcheck(
      loss,
      [
        { name: 'dx', value: asF64(x), grad: host(dx) },
        ...params.map((p) => ({ name: p.name, value: asF64(p.data), grad: host(p.grad!) })),
      ],
      { rtol: 1e-6, atol: 1e-7 },
    );
    // each example's outputs are those of the example alone (RoPE restarts: same positions, same keys)
    const alone = attention.forward(x.subarray(3 * C, 5 * C), hostLayout(1, 2, undefined), ctx).out;
    expectClose(
      host(attention.forward(x, packed, ctx).out).subarray(3 * C, 5 * C),
      host(alone),
      { rtol: 1e-12, atol: 1e-12 },
      'second example of row 0',
    );
  });

  test('real tokens see the same outputs padded left, padded right or unpadded; padding never leaks in', () => {
    const { attention } = build(fused);
    const x = f64(B * T * C, 3);
    const out = host(attention.forward(x, layout, ctx).out).slice();
    const row0 = host(attention.forward(x.subarray(0, 3 * C), hostLayout(1, 3, undefined), ctx).out);
    const row1 = host(
      attention.forward(x.subarray((T + 2) * C, 2 * T * C), hostLayout(1, 3, undefined), ctx).out,
    );
    expectClose(out.subarray(0, 3 * C), row0, { rtol: 1e-12, atol: 1e-12 }, 'right-padded row');
    expectClose(out.subarray((T + 2) * C), row1, { rtol: 1e-12, atol: 1e-12 }, 'left-padded row');
    const changed = x.slice();
    changed.fill(7, 3 * C, (T + 2) * C); // the padding of both rows
    expect(Array.from(host(attention.forward(changed, layout, ctx).out).subarray(0, 3 * C))).toEqual(
      Array.from(out.subarray(0, 3 * C)),
    );
  });
});

import {
  asKernelArray,
  gradcheck,
  type HostArgs,
  type Nf4MatmulArgs,
  REFERENCE_BACKEND,
  referenceKernels,
  registerBackend,
  registerHostKernel,
  setBackend,
  weightedSum,
} from '@lora/core';
import { expectClose, hostF32, hostF64, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { Nf4Linear } from './nf4-linear.js';
import { dequantize4bit, QuantizationError, quantize4bit } from './quantize.js';

const ctx = { training: false };

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

/** y = x · Wᵀ + b with plain loops in float64: an oracle independent of the matmul kernel. */
function naiveLinear(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number> | undefined,
  rows: number,
  out: number,
  inF: number,
): number[] {
  const y: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < out; j++) {
      let s = b ? b[j]! : 0;
      for (let p = 0; p < inF; p++) s += x[r * inF + p]! * w[j * inF + p]!;
      y.push(s);
    }
  }
  return y;
}

describe.each([
  { quantType: 'nf4' as const, doubleQuant: false, blocksize: 64, out: 12, inF: 40, bias: true },
  { quantType: 'nf4' as const, doubleQuant: true, blocksize: 64, out: 24, inF: 48, bias: false },
  { quantType: 'fp4' as const, doubleQuant: true, blocksize: 32, out: 7, inF: 33, bias: true },
])(
  'Nf4Linear $quantType double-quant $doubleQuant [$out, $inF]',
  ({ quantType, doubleQuant, blocksize, out, inF, bias }) => {
    const rows = 5;
    const q = quantize4bit(randomArray(out * inF, 1, 0.2), [out, inF], { quantType, doubleQuant, blocksize });
    const b = bias ? randomArray(out, 2, 0.1) : undefined;
    const layer = new Nf4Linear({ name: 'model.layers.0.mlp.up_proj', weight: q, bias: b });
    const w = dequantize4bit(q);
    const x = randomArray(rows * inF, 3);

    test('forward equals x · dequant(W)ᵀ + b', () => {
      expect([layer.inFeatures, layer.outFeatures]).toEqual([inF, out]);
      const { out: y, cache } = layer.forward(x, rows, ctx);
      expectClose(hostF32(y), naiveLinear(x, w, b, rows, out, inF), { rtol: 1e-5, atol: 1e-6 }, 'y');
      expect(cache.x).toBe(x);
    });

    test('backward gives dx = dy · W and accumulates into dxAccumulate; the frozen bias gets no gradient', () => {
      const dy = randomArray(rows * out, 4);
      const dx = layer.backward(dy, { x, rows });
      const wt = new Float32Array(inF * out); // Wᵀ (in, out), so dx = dy · (Wᵀ)ᵀ
      for (let j = 0; j < out; j++) for (let p = 0; p < inF; p++) wt[p * out + j] = w[j * inF + p]!;
      const expected = naiveLinear(dy, wt, undefined, rows, inF, out);
      expectClose(hostF32(dx), expected, { rtol: 1e-5, atol: 1e-6 }, 'dx');
      const acc = Float32Array.from(expected, () => 1);
      expect(layer.backward(dy, { x, rows }, acc)).toBe(acc);
      expectClose(
        acc,
        expected.map((v) => v + 1),
        { rtol: 1e-5, atol: 1e-6 },
        'dx accumulated',
      );
      expect(layer.parameters().every((p) => p.grad === undefined)).toBe(true);
    });

    test('dx matches central finite differences (float64)', () => {
      const x64 = Float64Array.from(x);
      const weights = Float64Array.from(randomArray(rows * out, 5));
      const y64 = new Float64Array(rows * out);
      const loss = () =>
        weightedSum(hostF64(layer.forward(asKernelArray(x64), rows, ctx, asKernelArray(y64)).out), weights);
      const dx = layer.backward(
        asKernelArray(weights),
        { x: asKernelArray(x64), rows },
        asKernelArray(new Float64Array(rows * inF)),
      );
      gradcheck(loss, [{ name: 'dx', value: x64, grad: hostF64(dx) }], { rtol: 1e-6, atol: 1e-8 });
    });

    test('denseWeight() is the dequantized weight, a fresh copy', () => {
      const dense = layer.denseWeight();
      const weight = hostF32(dense.weight);
      expect(Array.from(weight)).toEqual(Array.from(w));
      weight[0] = 123;
      expect(hostF32(layer.denseWeight().weight)[0]).toBe(w[0]);
      if (b) expect(Array.from(hostF32(dense.bias!))).toEqual(Array.from(b));
      else expect(dense.bias).toBeUndefined();
    });
  },
);

describe('Nf4Linear parameters', () => {
  test('only the bias is a Parameter; made trainable, it accumulates the column sums of dy', () => {
    const q = quantize4bit(randomArray(4 * 64, 7), [4, 64]);
    const layer = new Nf4Linear({ name: 'lm.fc', weight: q, bias: new Float32Array(4) });
    const [bias] = layer.parameters();
    expect(layer.parameters()).toHaveLength(1);
    expect(bias).toMatchObject({ name: 'lm.fc.bias', shape: [4], trainable: false, decay: false });
    bias!.trainable = true;
    const dy = Float32Array.from({ length: 8 }, (_, i) => i); // (2, 4)
    layer.backward(dy, { x: new Float32Array(2 * 64), rows: 2 });
    layer.backward(dy, { x: new Float32Array(2 * 64), rows: 2 });
    expect(Array.from(hostF32(bias!.grad!))).toEqual([8, 12, 16, 20]);
    expect(new Nf4Linear({ name: 'x', weight: q }).parameters()).toEqual([]);
  });

  test('layers of different sizes run back to back without affecting each other', () => {
    const big = new Nf4Linear({ name: 'big', weight: quantize4bit(randomArray(32 * 64, 8), [32, 64]) });
    const small = new Nf4Linear({ name: 'small', weight: quantize4bit(randomArray(8 * 64, 9), [8, 64]) });
    const x = randomArray(3 * 64, 10);
    const first = hostF32(big.forward(x, 3, ctx).out);
    small.forward(x, 3, ctx);
    expect(Array.from(hostF32(big.forward(x, 3, ctx).out))).toEqual(Array.from(first));
    expectClose(
      hostF32(small.forward(x, 3, ctx).out),
      naiveLinear(x, hostF32(small.denseWeight().weight), undefined, 3, 8, 64),
      {},
      'small',
    );
  });

  test('forward and backward run on kernel("nf4Matmul") with the packed weight and 8-bit scales, nothing else', async () => {
    const calls: HostArgs<Nf4MatmulArgs>[] = [];
    const restores: unknown[] = [];
    registerBackend({ name: 'nf4-spy', priority: -2, isAvailable: () => true, describe: () => 'spy' });
    registerHostKernel({
      name: 'nf4Matmul',
      backend: 'nf4-spy',
      impl: (args) => {
        calls.push(args);
        referenceKernels.nf4Matmul(args);
      },
    });
    registerHostKernel({
      name: 'matmul',
      backend: 'nf4-spy',
      impl: () => {
        throw new Error('matmul: expected no dense matmul from Nf4Linear, got a call');
      },
    });
    registerHostKernel({ name: 'dequantizeAbsmax', backend: 'nf4-spy', impl: (args) => restores.push(args) });
    const q = quantize4bit(randomArray(6 * 64, 12), [6, 64], { doubleQuant: true });
    const layer = new Nf4Linear({ name: 'spy', weight: q });
    await setBackend('nf4-spy');
    try {
      const x = randomArray(2 * 64, 13);
      layer.forward(x, 2, ctx);
      layer.backward(randomArray(2 * 6, 14), { x, rows: 2 });
    } finally {
      await setBackend(REFERENCE_BACKEND);
    }
    expect(calls.map((c) => [c.mode, c.m, c.n, c.k, c.blocksize])).toEqual([
      ['forward', 2, 6, 64, 64],
      ['inputGrad', 2, 6, 64, 64],
    ]);
    expect(calls[0]!.packed).toBe(q.packed);
    // the double-quantized scales go to the product as they are: no restore into an f32 scratch first
    expect(restores).toEqual([]);
    expect(calls[0]!.absmax).toBeUndefined();
    expect(calls[0]!.nested!.qabsmax).toBe(q.nested!.qabsmax);
  });

  test('an absmax with the wrong number of blocks is refused, naming the layer', () => {
    const q = quantize4bit(randomArray(2 * 64, 15), [2, 64]);
    const bad = { ...q, absmax: q.absmax!.subarray(0, 1) };
    expect(() => new Nf4Linear({ name: 'model.y', weight: bad })).toThrow(
      'Nf4Linear model.y: absmax expected 2 blocks, got 1',
    );
  });

  test('a weight that is not 2-D or a bias of the wrong length is refused, naming the layer', () => {
    const q = quantize4bit(randomArray(64, 11), [64]);
    expect(() => new Nf4Linear({ name: 'model.x', weight: q })).toThrow(QuantizationError);
    expect(() => new Nf4Linear({ name: 'model.x', weight: q })).toThrow(
      /model\.x: weight shape expected \[out, in\], got \[64\]/,
    );
    const q2 = quantize4bit(randomArray(128, 12), [2, 64]);
    expect(() => new Nf4Linear({ name: 'model.y', weight: q2, bias: new Float32Array(3) })).toThrow(
      /model\.y: bias expected 2 values, got 3/,
    );
  });
});

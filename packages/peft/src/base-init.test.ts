import { readFileSync } from 'node:fs';
import { uniformStream } from '@lora/core';
import { dequantize4bit, Nf4Linear, quantize4bit } from '@lora/quant-nf4';
import { expectClose, hostF32, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { type BaseInit, initFromWeight } from './base-init.js';
import { loraScaling } from './config.js';
import { parseAdapterConfig } from './config-json.js';
import { LoraConfigError } from './errors.js';
import { LoraLinear } from './lora-linear.js';
import { randomWeights, ToyLinear } from './toy-linears.test-support.js';

interface GoldenCase {
  name: string;
  init: BaseInit;
  out: number;
  in: number;
  r: number;
  alpha: number;
  use_rslora: boolean;
  scaling: number;
  weight: number[];
  gaussian: number[];
  lora_A: number[];
  lora_B: number[];
  residual: number[];
}

const golden = JSON.parse(
  readFileSync(new URL('../fixtures/pissa-olora-golden.json', import.meta.url), 'utf8'),
) as { cases: GoldenCase[] };

/** Replays the N(0, 1) draws torch.randn made, in order. */
function replay(values: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error(`replay: expected at most ${values.length} draws`);
    return values[i++]!;
  };
}

/** A (R, in) and B (out, R) with each rank's pair (A_i, B_:,i) flipped to agree in sign with `ref` (SVD signs are free). */
function alignSigns(a: Float32Array, b: Float32Array, refA: number[], R: number, I: number, O: number) {
  const [a2, b2] = [a.slice(), b.slice()];
  for (let i = 0; i < R; i++) {
    let dot = 0;
    for (let c = 0; c < I; c++) dot += a[i * I + c]! * refA[i * I + c]!;
    if (dot >= 0) continue;
    for (let c = 0; c < I; c++) a2[i * I + c] = -a[i * I + c]!;
    for (let j = 0; j < O; j++) b2[j * R + i] = -b[j * R + i]!;
  }
  return { a: a2, b: b2 };
}

const tol = { rtol: 1e-5, atol: 2e-6 };

describe('PiSSA and OLoRA against the float64 PyTorch reference (fixtures/pissa_olora_golden.py)', () => {
  test.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const scaling = loraScaling(c.alpha, c.r, c.use_rslora);
    expect(scaling).toBeCloseTo(c.scaling, 14);
    const dims = { out: c.out, in: c.in, r: c.r, scaling, name: c.name };
    const got = initFromWeight(c.init, c.weight, dims, replay(c.gaussian));
    // OLoRA's QR has LAPACK's signs on both sides; an SVD's pairs are compared after aligning their signs
    const { a, b } = c.init === 'olora' ? got : alignSigns(got.a, got.b, c.lora_A, c.r, c.in, c.out);
    expectClose(a, c.lora_A, tol, `${c.name} lora_A`);
    expectClose(b, c.lora_B, tol, `${c.name} lora_B`);
    expectClose(got.residual, c.residual, tol, `${c.name} residual W − s·BA`);
  });
});

const [OUT, IN, R] = [12, 16, 4];

function denseBase(): { base: ToyLinear; w: Float32Array } {
  const w = randomWeights(OUT * IN, makeRng(5).next, 1);
  return { base: new ToyLinear('q', IN, OUT, w.slice(), randomWeights(OUT, makeRng(6).next)), w };
}

describe('LoraLinear with a base-reading init', () => {
  test.each(['pissa', 'pissa_niter_3', 'olora'] as const)(
    '%s: the base holds W − s·BA and the layer computes W at step 0',
    (init) => {
      const { base, w } = denseBase();
      const x = randomWeights(3 * IN, makeRng(7).next, 1);
      const before = hostF32(base.forward(x, 3, { training: false }).out);
      const layer = new LoraLinear(base, { name: 'q', r: R, alpha: 8, init, rng: uniformStream(3) });
      expect(layer.base).toBe(base);
      const sBA = hostF32(layer.deltaWeight());
      const residual = hostF32(base.weight.data);
      expectClose(
        residual.map((v, k) => v + sBA[k]!),
        w,
        { rtol: 0, atol: 2e-6 },
        `${init}: W_res + s·BA`,
      );
      const frobenius = (a: Float32Array) => Math.hypot(...a);
      expect(frobenius(residual)).toBeLessThan(frobenius(w)); // W minus its projection on the first R directions
      expectClose(
        hostF32(layer.forward(x, 3, { training: false }).out),
        before,
        { rtol: 0, atol: 1e-5 },
        'y',
      );
      expect(layer.initialWeights?.a).toEqual(hostF32(layer.loraA.data));
      expect(layer.initialWeights?.b).toEqual(hostF32(layer.loraB.data));
    },
  );

  test('with DoRA the magnitude starts at ‖W_res + s·BA‖ = ‖W‖ per row, so step 0 still computes W', () => {
    const { base, w } = denseBase();
    const x = randomWeights(3 * IN, makeRng(7).next, 1);
    const before = hostF32(base.forward(x, 3, { training: false }).out);
    const layer = new LoraLinear(base, { name: 'q', r: R, alpha: 8, init: 'pissa', useDora: true });
    const norms = Array.from({ length: OUT }, (_, j) => Math.hypot(...w.subarray(j * IN, (j + 1) * IN)));
    expectClose(hostF32(layer.magnitude!.data), norms, { rtol: 1e-5, atol: 0 }, 'magnitude');
    expectClose(hostF32(layer.forward(x, 3, { training: false }).out), before, { rtol: 0, atol: 1e-5 }, 'y');
  });

  /** W (out, in) = a rank-2 part plus noise, like a trained weight with a few dominant directions. */
  function dominated(): Float32Array {
    const [u, v, u2, v2] = [OUT, IN, OUT, IN].map((n, i) => randomWeights(n, makeRng(20 + i).next, 1));
    const noise = randomWeights(OUT * IN, makeRng(30).next, 0.05);
    return noise.map((e, k) => {
      const [j, c] = [Math.floor(k / IN), k % IN];
      return e + 2 * u![j]! * v![c]! + u2![j]! * v2![c]!;
    });
  }

  test.each(['olora', 'pissa'] as const)(
    '%s on a 4-bit base: dequantized, rewritten and re-quantized with its own settings (PEFT olora_init)',
    (init) => {
      const w = dominated();
      const options = { blocksize: 64, doubleQuant: true, quantType: 'nf4' } as const;
      const q = quantize4bit(w, [OUT, IN], options);
      const base = new Nf4Linear({ name: 'q', weight: q });
      const layer = new LoraLinear(base, { name: 'q', r: R, alpha: 8, init });
      expect(layer.base).not.toBe(base);
      const requantized = (layer.base as Nf4Linear).weight;
      expect(requantized).toMatchObject({
        quantType: 'nf4',
        blocksize: 64,
        shape: [OUT, IN],
        dtype: q.dtype,
      });
      expect(requantized.nested).toBeDefined();
      const deq = dequantize4bit(q);
      const ref = initFromWeight(init, deq, { out: OUT, in: IN, r: R, scaling: 2, name: 'q' }, () => 0);
      expect(hostF32(layer.loraA.data)).toEqual(ref.a);
      expect(hostF32(layer.loraB.data)).toEqual(ref.b);
      expect(requantized.packed).toEqual(quantize4bit(ref.residual, [OUT, IN], options).packed);
      if (init !== 'pissa') return;
      // the residual is small, so re-quantizing it moves the layer's weight far less than quantizing W did
      const sBA = hostF32(layer.deltaWeight());
      const now = dequantize4bit(requantized).map((v, k) => v + sBA[k]!);
      const dist = (a: Float32Array, b: Float32Array) => Math.hypot(...a.map((v, k) => v - b[k]!));
      expect(dist(now, deq)).toBeLessThan(dist(deq, w) / 2);
    },
  );

  test('r above min(out, in) and a base without a weight are refused by name', () => {
    const { base } = denseBase();
    expect(() => new LoraLinear(base, { name: 'q', r: 13, alpha: 8, init: 'pissa' })).toThrowError(
      'LoraLinear q: init_lora_weights "pissa" expected r <= min(out, in) = 12, got r = 13',
    );
    const bare = {
      inFeatures: IN,
      outFeatures: OUT,
      parameters: () => [],
      forward: base.forward,
      backward: base.backward,
    };
    expect(() => new LoraLinear(bare, { name: 'q', r: 2, alpha: 8, init: 'olora' })).toThrowError(
      LoraConfigError,
    );
  });

  test('a PiSSA adapter loads only once converted to LoRA: the config says why', () => {
    expect(() =>
      parseAdapterConfig('{"peft_type": "LORA", "init_lora_weights": "olora"}', 'a.json'),
    ).toThrowError('needs the residual base it was trained on');
  });
});

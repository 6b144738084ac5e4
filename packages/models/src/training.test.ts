// Padding, gradient checkpointing with random layers, and NEFTune on the micro models (float64).
import type { F32, ForwardContext, LinearCache, LinearModule } from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import type { CausalLM } from './causal-lm.js';
import { ModelInputError } from './errors.js';
import { ARCHS, host, microModel, stepStats64 } from './test-support.test-support.js';

const grads = (model: CausalLM) =>
  new Map(model.parameters().map((p) => [p.name, Float64Array.from(host(p.grad!))]));

const zeroGrads = (model: CausalLM) => {
  for (const p of model.parameters()) if (p.grad) host(p.grad).fill(0);
};

/** A step from zeroed gradients, its totals in float64 (stepInto: step() reads them back as float32). */
function run(model: CausalLM, ids: number[], labels: number[], mask: number[] | undefined, batch = 1) {
  zeroGrads(model);
  const seqLen = ids.length / batch;
  const attentionMask = mask ? Uint8Array.from(mask) : undefined;
  const [lossSum, tokens] = stepStats64(
    model,
    { inputIds: Int32Array.from(ids), labels: Int32Array.from(labels), attentionMask, batch, seqLen },
    { training: false, backward: true },
  );
  return { lossSum: lossSum!, tokens: tokens!, grads: grads(model) };
}

describe.each(ARCHS)('%s: padding', (arch) => {
  test('left padding, right padding and none give the same loss and gradients; pad labels never count', () => {
    const model = microModel(arch);
    model.setTrainable(() => true);
    const plain = run(model, [3, 7, 1, 9, 2], [-100, 7, 1, 9, 2], undefined);
    const left = run(model, [0, 0, 3, 7, 1, 9, 2], [4, 4, -100, 7, 1, 9, 2], [0, 0, 1, 1, 1, 1, 1]);
    const right = run(model, [3, 7, 1, 9, 2, 0, 0], [-100, 7, 1, 9, 2, 5, 5], [1, 1, 1, 1, 1, 0, 0]);
    const both = run(
      model,
      [0, 0, 3, 7, 1, 9, 2, 3, 7, 1, 9, 2, 0, 0],
      [-100, -100, -100, 7, 1, 9, 2, -100, 7, 1, 9, 2, -100, -100],
      [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0],
      2,
    );
    expect([plain.tokens, left.tokens, right.tokens, both.tokens]).toEqual([4, 4, 4, 8]);
    for (const [label, other, factor] of [
      ['left', left, 1],
      ['right', right, 1],
      ['both rows', both, 2],
    ] as const) {
      expectClose([other.lossSum], [plain.lossSum * factor], { rtol: 1e-10 }, `${label} lossSum`);
      for (const [name, g] of plain.grads)
        expectClose(
          other.grads.get(name)!,
          g.map((v) => v * factor),
          { rtol: 1e-8, atol: 1e-12 },
          `${label} ${name}`,
        );
    }
  });
});

/** A dropout-like wrapper: each output element kept ×2 or dropped with ctx.rng, the mask kept for backward. */
class RandomMask implements LinearModule {
  constructor(readonly inner: LinearModule) {}
  get inFeatures() {
    return this.inner.inFeatures;
  }
  get outFeatures() {
    return this.inner.outFeatures;
  }
  forward(x: F32, rows: number, ctx: ForwardContext, out?: F32) {
    const r = this.inner.forward(x, rows, ctx, out);
    const y = host(r.out);
    const mask = y.map(() => (ctx.training && ctx.rng!() < 0.5 ? 0 : 2));
    for (let i = 0; i < y.length; i++) y[i]! *= mask[i]!;
    return { out: r.out, cache: { ...r.cache, extra: { mask, inner: r.cache } } };
  }
  backward(dy: F32, cache: LinearCache, acc?: F32) {
    const { mask, inner } = cache.extra as { mask: Float32Array; inner: LinearCache };
    return this.inner.backward(
      host(dy).map((v, i) => v * mask[i]!),
      inner,
      acc,
    );
  }
  parameters() {
    return this.inner.parameters();
  }
}

describe('gradient checkpointing', () => {
  const batch = {
    inputIds: Int32Array.from([1, 2, 3, 4, 5, 6]),
    labels: Int32Array.from([1, 2, 3, 4, 5, 6]),
    batch: 2,
    seqLen: 3,
  };

  test.each(ARCHS)(
    '%s: recomputed layers draw the same random masks, so gradients equal the stored-activation run',
    (arch) => {
      const model = microModel(arch);
      for (const [name, linear] of model.linearModules()) model.replaceLinear(name, new RandomMask(linear));
      model.setTrainable(() => true);
      const once = (checkpoint: boolean, seed: number) => {
        zeroGrads(model);
        const rng = makeRng(seed);
        const [loss] = stepStats64(model, batch, {
          training: true,
          backward: true,
          rng: () => rng.next(),
          gradientCheckpointing: checkpoint,
        });
        return { loss, grads: grads(model) };
      };
      const stored = once(false, 7);
      const recomputed = once(true, 7);
      const other = once(false, 8);
      expect(recomputed.loss).toBe(stored.loss);
      for (const [name, g] of stored.grads)
        expect(Array.from(recomputed.grads.get(name)!), name).toEqual(Array.from(g));
      expect(other.loss).not.toBe(stored.loss);
    },
  );
});

describe('NEFTune', () => {
  const batch = {
    inputIds: Int32Array.from([1, 2, 3, 4]),
    labels: Int32Array.from([1, 2, 3, 4]),
    batch: 1,
    seqLen: 4,
  };
  const model = microModel('llama');
  const loss = (training: boolean, alpha: number, seed = 1) => {
    const rng = makeRng(seed);
    const options = { training, backward: false, neftuneNoiseAlpha: alpha, rng: () => rng.next() };
    return stepStats64(model, batch, options)[0];
  };

  test('noise changes the loss in training only, reproducibly for a seed', () => {
    const clean = loss(false, 0);
    expect(loss(false, 5)).toBe(clean);
    expect(loss(true, 0)).toBe(clean);
    expect(loss(true, 5)).not.toBe(clean);
    expect(loss(true, 5)).toBe(loss(true, 5));
    expect(loss(true, 5, 2)).not.toBe(loss(true, 5, 1));
  });

  test('training with NEFTune and no rng is refused', async () => {
    await expect(
      model.step(batch, { training: true, backward: false, neftuneNoiseAlpha: 5 }),
    ).rejects.toThrow(ModelInputError);
    await expect(
      model.step(batch, { training: true, backward: false, neftuneNoiseAlpha: 5 }),
    ).rejects.toThrow('step: neftuneNoiseAlpha expected an rng in StepOptions, got none');
  });
});

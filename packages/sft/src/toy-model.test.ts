import { registerOpaqueBackend } from '@lora/core';
import { collate } from '@lora/datasets';
import { expectClose, hostF32 } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { TrainerConfigError } from './errors.js';
import { createRng } from './rng.js';
import { ToyLM } from './toy-model.js';
import { toyExamples } from './trainer.test-support.js';

const batch = collate(toyExamples(3, 10, 5), { padTokenId: 0 });

async function gradsOf(model: ToyLM, options: Parameters<ToyLM['step']>[1]) {
  const r = await model.step(batch, options);
  return { r, grads: model.parameters().map((p) => (p.grad ? Array.from(hostF32(p.grad)) : [])) };
}

describe('ToyLM', () => {
  test('chunked cross-entropy (3 vocab rows at a time) equals one chunk: loss, counts and gradients', async () => {
    const one = await gradsOf(new ToyLM({ vocabSize: 10, hiddenSize: 4, seed: 1 }), {
      training: true,
      backward: true,
      lossScale: 0.5,
    });
    const chunked = await gradsOf(new ToyLM({ vocabSize: 10, hiddenSize: 4, seed: 1, vocabChunk: 3 }), {
      training: true,
      backward: true,
      lossScale: 0.5,
    });
    expectClose([chunked.r.lossSum], [one.r.lossSum], { rtol: 1e-6 }, 'lossSum');
    expect([chunked.r.tokens, chunked.r.correct]).toEqual([one.r.tokens, one.r.correct]);
    expect(one.r.tokens).toBe(batch.labelTokens);
    chunked.grads.forEach((g, i) => {
      expectClose(g, one.grads[i]!, { rtol: 1e-5, atol: 1e-7 }, `grad ${i}`);
    });
  });

  test('lossScale scales the accumulated gradients and nothing else; gradients accumulate across calls', async () => {
    const a = await gradsOf(new ToyLM({ vocabSize: 10, hiddenSize: 4, seed: 2 }), {
      training: true,
      backward: true,
      lossScale: 1,
    });
    const m = new ToyLM({ vocabSize: 10, hiddenSize: 4, seed: 2 });
    await m.step(batch, { training: true, backward: true, lossScale: 0.25 });
    const b = await gradsOf(m, { training: true, backward: true, lossScale: 0.25 }); // 0.25 + 0.25 = 0.5 of a
    expect(b.r.lossSum).toBe(a.r.lossSum);
    b.grads.forEach((g, i) => {
      expectClose(
        g,
        a.grads[i]!.map((x) => x * 0.5),
        { rtol: 1e-6, atol: 1e-9 },
        `grad ${i}`,
      );
    });
  });

  test('frozen parameters get no grad buffer; dropout draws only while training; NEFTune noise only while training', async () => {
    const m = new ToyLM({
      vocabSize: 10,
      hiddenSize: 4,
      seed: 3,
      dropout: 0.5,
      frozen: ['model.embed_tokens.weight'],
    });
    expect(m.parameters().map((p) => [p.name, p.trainable, p.grad === undefined, p.decay])).toEqual([
      ['model.embed_tokens.weight', false, true, true],
      ['model.fc.weight', true, false, true],
      ['model.fc.bias', true, false, false],
      ['lm_head.weight', true, false, true],
    ]);
    let draws = 0;
    const rng = createRng(1);
    const counted = () => {
      draws++;
      return rng.next();
    };
    const evalLoss = (
      await m.step(batch, {
        training: false,
        backward: false,
        rng: counted,
        neftuneNoiseAlpha: 5,
      })
    ).lossSum;
    expect(draws).toBe(0);
    expect((await m.step(batch, { training: false, backward: false })).lossSum).toBe(evalLoss);
    const trainLoss = (await m.step(batch, { training: true, backward: false, rng: counted })).lossSum;
    expect(draws).toBe(batch.batch * batch.seqLen * 4);
    expect(trainLoss).not.toBe(evalLoss);
  });

  test('stepInto adds [loss sum, tokens, correct] into a host stats array, accumulating across calls', async () => {
    const m = new ToyLM({ vocabSize: 10, hiddenSize: 4, seed: 4 });
    const r = await m.step(batch, { training: false, backward: false });
    const stats = Float32Array.of(0.5, 1, 2);
    m.stepInto(batch, { training: false, backward: false }, stats);
    m.stepInto(batch, { training: false, backward: false }, stats);
    // float32 slots: each addition rounds, as the device's stats do
    const twice = Math.fround(Math.fround(0.5 + r.lossSum) + r.lossSum);
    expect(Array.from(stats)).toEqual([twice, 1 + 2 * r.tokens, 2 + 2 * r.correct]);
  });

  test('stepInto refuses a device array for stats (the toy runs on the host only)', () => {
    const m = new ToyLM({ vocabSize: 10, hiddenSize: 4 });
    const device = registerOpaqueBackend().f32(3);
    expect(() => m.stepInto(batch, { training: false, backward: false }, device)).toThrow(TrainerConfigError);
    expect(() => m.stepInto(batch, { training: false, backward: false }, device)).toThrow(
      /ToyLM: expected host arrays \(a CPU backend\), got a device array for stats/,
    );
  });
});

import { deviceMemory, onOpaqueBackend, toHost } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { TrainingError } from './errors.js';
import { type Fault, QuadraticModel } from './quadratic-model.test-support.js';
import { Trainer } from './trainer.js';
import { tempStorage, toyExamples } from './trainer.test-support.js';

/** Runs `body` on the reference backend (host arrays) or on the opaque device backend (handles, not typed arrays). */
const backends = [
  ['reference', <T>(body: () => Promise<T>) => body()],
  ['opaque', <T>(body: () => Promise<T>) => onOpaqueBackend(body)],
] as const;

async function faultyRun(fault: Fault, learningRate: number) {
  const model = new QuadraticModel({ fault, memory: deviceMemory() });
  let before: Promise<Float32Array[]> | undefined; // the parameters after the step before the bad one
  const trainer = new Trainer({
    model,
    trainDataset: toyExamples(16, 9, 1),
    storage: await tempStorage('guard'),
    config: {
      padTokenId: 0,
      learningRate,
      batchSize: 2,
      gradientAccumulationSteps: 2,
      maxSteps: 4,
      saveSteps: 0,
      maxGradNorm: 0,
    },
    onProgress: (e) => {
      if (e.step === 1) before = Promise.all(model.params.map((p) => toHost(p.data)));
    },
  });
  const error = await trainer.train().catch((e: unknown) => e);
  const after = await Promise.all(model.params.map((p) => toHost(p.data)));
  return { error, before: await before, after };
}

describe.each(backends)('NaN/Inf guard on %s', (_backend, on) => {
  // batch 2 × accumulation 2: calls 3 and 4 are the micro-batches of step 2, call 2 the last one of step 1. The step
  // runs to its one read; the guard then names the micro-batch whose totals first went non-finite.
  test.each([
    [
      'loss',
      4,
      2,
      undefined,
      /non-finite loss at step 2 \(micro-batch 2 of 2\): expected a finite loss sum, got Infinity/,
    ],
    [
      'grad',
      3,
      2,
      'model.layers.1.mlp.down_proj.lora_B.weight',
      /non-finite grad at step 2 \(micro-batch 1 of 2 or later\): parameter "model.layers.1.mlp.down_proj.lora_B.weight" grad\[2\] is NaN, expected a finite value/,
    ],
    [
      'param',
      2,
      1,
      'model.layers.0.self_attn.q_proj.lora_A.weight',
      /non-finite param at step 1 \(after the AdamW update\): parameter "model.layers.0.self_attn.q_proj.lora_A.weight" param\[3\] is -Infinity/,
    ],
  ] as const)(
    'a bad %s on call %i stops step %i, naming the tensor and parameter',
    async (kind, call, step, parameter, message) =>
      on(async () => {
        const { error, before, after } = await faultyRun({ call, kind }, kind === 'param' ? 1e37 : 0.01);
        expect(error).toBeInstanceOf(TrainingError);
        expect((error as Error).message).toMatch(message);
        expect(error).toMatchObject({ step, tensor: kind, parameter });
        if (kind !== 'loss') expect((error as TrainingError).index).toBe(kind === 'grad' ? 2 : 3);
        // a non-finite loss or gradient makes AdamW skip the update on the device: step 2 changed nothing
        if (kind !== 'param')
          expect(after.map((a) => Array.from(a))).toEqual(before!.map((b) => Array.from(b)));
      }),
  );

  test('finite gradients whose squares overflow float32 (an infinite norm) stop the run rather than skip silently', () =>
    on(async () => {
      // gradients 2e19 · p: each is finite (|g| ≤ 4e19) but Σ g² ≈ 4.3e39 is beyond float32's 3.4e38
      const model = new QuadraticModel({ memory: deviceMemory(), gradMultiplier: 1e19 });
      const trainer = new Trainer({
        model,
        trainDataset: toyExamples(4, 9, 1),
        storage: await tempStorage('norm'),
        config: { padTokenId: 0, batchSize: 4, maxSteps: 2, saveSteps: 0 },
      });
      const error = await trainer.train().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrainingError);
      expect((error as Error).message).toMatch(
        /non-finite gradient norm at step 1: expected a finite norm, got Infinity \(the squares of finite gradients overflow float32\)/,
      );
      expect(error).toMatchObject({ step: 1, tensor: 'grad' });
    }));

  test('a model that miscounts the predicted tokens is stopped at once', () =>
    on(async () => {
      const model = new QuadraticModel({ memory: deviceMemory() });
      model.miscount = 1;
      const trainer = new Trainer({
        model,
        trainDataset: toyExamples(4, 9, 1),
        storage: await tempStorage('count'),
        config: { padTokenId: 0, batchSize: 2, maxSteps: 1, saveSteps: 0 },
      });
      await expect(trainer.train()).rejects.toThrow(
        /model.step at step 1 \(micro-batch 1 of 1\): expected \d+ predicted tokens \(labels after the shift\), got 1/,
      );
    }));
});

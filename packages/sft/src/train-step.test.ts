import { hostMemory, onOpaqueBackend, toHost } from '@lora/core';
import { collate } from '@lora/datasets';
import { hostF32 } from '@lora/testing';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { AdamW } from './adamw.js';
import { TrainingError } from './errors.js';
import { QuadraticModel } from './quadratic-model.test-support.js';
import { ToyLM } from './toy-model.js';
import { optimizerStep, type StepSettings } from './train-step.js';
import { Trainer } from './trainer.js';
import { tempStorage, toyExamples } from './trainer.test-support.js';

const settings = { padTokenId: 0, paddingSide: 'right' } as const;
/** three micro-batches of different lengths and label counts */
const batches = [toyExamples(2, 9, 1), toyExamples(3, 9, 2), toyExamples(1, 9, 3)].map((e) =>
  collate(e, settings),
);
const stepSettings = (step: number, extra: Partial<StepSettings> = {}): StepSettings => ({
  step,
  lr: 0.01,
  maxGradNorm: 1,
  rng: () => 0.5,
  gradientCheckpointing: false,
  neftuneNoiseAlpha: undefined,
  ...extra,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('one read back per optimizer step', () => {
  test('on a device backend: three micro-batches, clip, update and guards queue everything, then read once', () =>
    onOpaqueBackend(async (memory) => {
      const model = new QuadraticModel({ memory });
      const optimizer = new AdamW(model.parameters());
      for (const step of [1, 2]) {
        const before = memory.reads.length;
        const outcome = await optimizerStep(model, optimizer, batches, stepSettings(step));
        // one read of [loss, tokens, hits, bad grads] × 3 micro-batches + [Σ g², factor, bad params, loss guard]
        expect(memory.reads.slice(before)).toEqual([4 * 3 + 4]);
        expect(outcome.tokens).toBe(batches.reduce((s, b) => s + b.labelTokens, 0));
        expect(Number.isFinite(outcome.loss) && outcome.gradNorm > 0).toBe(true);
      }
      expect(memory.counters().dispatches).toBeGreaterThan(0);
    }));

  test('on a device backend: a Trainer run reads once per step; evaluation adds one read per eval set', () =>
    onOpaqueBackend(async (memory) => {
      const model = new QuadraticModel({ memory });
      const before = memory.reads.length;
      const uploads = memory.counters().uploads;
      await new Trainer({
        model,
        trainDataset: toyExamples(12, 9, 4),
        evalDataset: toyExamples(5, 9, 5),
        storage: await tempStorage('reads'),
        config: {
          padTokenId: 0,
          batchSize: 2,
          gradientAccumulationSteps: 2,
          maxSteps: 3,
          loggingSteps: 1,
          evalSteps: 2,
          evalBatchSize: 2,
          saveSteps: 0,
        },
      }).train();
      // steps 1, 2, eval (3 batches), 3: the model uploads nothing but its constant, the trainer only zeroes on device
      expect(memory.reads.slice(before)).toEqual([4 * 2 + 4, 4 * 2 + 4, 3 * 3, 4 * 2 + 4]);
      expect(memory.counters().uploads - uploads).toBe(1);
    }));

  test('on the host: a ToyLM step reads back once too', async () => {
    const model = new ToyLM({ vocabSize: 9, hiddenSize: 4, seed: 1 });
    const optimizer = new AdamW(model.parameters().filter((p) => p.trainable));
    const read = vi.spyOn(hostMemory, 'read');
    await optimizerStep(model, optimizer, batches, stepSettings(1));
    expect(read).toHaveBeenCalledTimes(1);
    expect(read.mock.calls[0]![0].length).toBe(4 * 3 + 4);
  });
});

describe('optimizerStep', () => {
  test('loss = Σ of float32 micro-batch loss sums / label tokens; grad_norm = √ of the float32 Σ g² before clipping; grads zeroed after', async () => {
    const make = () => new ToyLM({ vocabSize: 9, hiddenSize: 4, seed: 6 });
    const total = batches.reduce((s, b) => s + b.labelTokens, 0);
    // the same micro-batches by hand on an identical model, read back in float64
    const byHand = make();
    let expectedLoss = 0;
    for (const b of batches) {
      const r = await byHand.step(b, { training: true, backward: true, lossScale: 1 / total });
      expectedLoss += Math.fround(r.lossSum);
    }
    const trainable = byHand.parameters().filter((p) => p.trainable);
    const sumOf = (decay: boolean) =>
      trainable
        .filter((p) => p.decay === decay)
        .reduce((s, p) => s + hostF32(p.grad!).reduce((t, g) => t + g * g, 0), 0);
    // one sumSquares per weight-decay group, each added into a float32 total
    const sumSquares = Math.fround(Math.fround(sumOf(true)) + sumOf(false));

    const model = make();
    const optimizer = new AdamW(model.parameters().filter((p) => p.trainable));
    const outcome = await optimizerStep(model, optimizer, batches, stepSettings(1, { maxGradNorm: 0.01 }));
    expect(outcome.loss).toBe(expectedLoss / total);
    expect(outcome.gradNorm).toBe(Math.sqrt(sumSquares));
    expect(outcome.gradNorm).toBeGreaterThan(0.01); // so the step clipped
    expect(outcome.tokens).toBe(total);
    for (const g of optimizer.groups) expect(hostF32(g.grad).every((v) => v === 0)).toBe(true);
  });

  test.each(['loss', 'grad'] as const)(
    'a non-finite %s skips the AdamW update on the device: parameters and moments unchanged, then the guard throws',
    (kind) =>
      onOpaqueBackend(async (memory) => {
        const model = new QuadraticModel({ memory, fault: { call: 5, kind } }); // micro-batch 2 of step 2
        const optimizer = new AdamW(model.parameters());
        await optimizerStep(model, optimizer, batches, stepSettings(1));
        const snapshot = async () =>
          Promise.all(
            optimizer.params
              .flatMap((p, i) => [p.data, optimizer.stateOf(i).expAvg, optimizer.stateOf(i).expAvgSq])
              .map((a) => toHost(a)),
          );
        const before = await snapshot();
        const reads = memory.reads.length;
        const error = await optimizerStep(model, optimizer, batches, stepSettings(2)).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TrainingError);
        expect(error).toMatchObject({ step: 2, tensor: kind });
        expect((error as Error).message).toMatch(
          kind === 'loss'
            ? /non-finite loss at step 2 \(micro-batch 2 of 3\)/
            : /non-finite grad at step 2 \(micro-batch 2 of 3 or later\)/,
        );
        // the step's read, then (on the way to the grad error only) the gradients it searches
        expect(memory.reads.length - reads).toBe(kind === 'loss' ? 1 : 1 + 2);
        expect(await snapshot()).toEqual(before);
        expect(optimizer.stepCount).toBe(2);
      }),
  );
});

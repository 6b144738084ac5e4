import { type F32, onOpaqueBackend, toHost } from '@lora/core';
import { hostF32 } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { QuadraticModel } from './quadratic-model.test-support.js';
import type { RunStorage } from './run-storage.js';
import { ToyLM } from './toy-model.js';
import { Trainer } from './trainer.js';
import { readMetrics, STORAGES, toyExamples } from './trainer.test-support.js';
import type { ProgressEvent, TrainerOptions } from './trainer-types.js';

const VOCAB = 13;
const train = toyExamples(10, VOCAB, 21);
const evalSet = toyExamples(4, VOCAB, 22);

function makeTrainer(
  storage: RunStorage,
  resume: boolean,
  onProgress?: (e: ProgressEvent, t: Trainer) => void,
) {
  // dropout and shuffle on, so resuming must restore the RNG words and the data position exactly
  const model = new ToyLM({
    vocabSize: VOCAB,
    hiddenSize: 8,
    dropout: 0.2,
    vocabChunk: 5,
    seed: 9,
    frozen: ['model.embed_tokens.weight'],
  });
  const options: TrainerOptions = {
    model,
    trainDataset: train,
    evalDataset: evalSet,
    storage,
    config: {
      padTokenId: 0,
      learningRate: 0.03,
      batchSize: 2,
      gradientAccumulationSteps: 2,
      maxSteps: 6,
      lrSchedulerType: 'cosine',
      warmupRatio: 0.2,
      weightDecay: 0.05,
      maxGradNorm: 0.5,
      loggingSteps: 1,
      evalSteps: 2,
      saveSteps: 100,
      resume,
    },
  };
  const trainer: Trainer = new Trainer({ ...options, onProgress: (e) => onProgress?.(e, trainer) });
  return { trainer, model, options };
}

/** The bytes of a parameter (a view of the optimizer's packed array) */
const bytes = (data: F32) => {
  const v = hostF32(data);
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
};

/** Every metrics.jsonl field that does not depend on the clock. */
const deterministic = (entries: Record<string, number>[]) =>
  entries.map(({ tokens_per_sec, peak_memory_mb, eval_runtime, train_runtime, ...rest }) => rest);

describe.each(STORAGES)('resume (%s storage)', (_, makeStorage) => {
  // 10 examples, batch 2, accumulation 2: epochs of 3 steps (2 + 2 + 1 micro-batches); stop at 2 is mid-epoch,
  // 3 is the epoch boundary, 4 is inside the second epoch
  test.each([2, 3, 4])(
    'run 6 steps == run %i, stop, resume to 6: parameters, losses, RNG and state bit for bit',
    async (stopAt) => {
      const fullStorage = await makeStorage('full');
      const full = makeTrainer(fullStorage, false);
      const fullResult = await full.trainer.train();
      expect(fullResult.globalStep).toBe(6);

      const storage = await makeStorage('resumed');
      const first = makeTrainer(storage, false, (e, t) => {
        if (e.step === stopAt) t.requestStop();
      });
      const stopped = await first.trainer.train();
      expect(stopped).toMatchObject({
        stopped: true,
        globalStep: stopAt,
        lastCheckpoint: storage.pathOf(`checkpoint-${stopAt}`),
      });

      const second = makeTrainer(storage, true);
      const resumed = await second.trainer.train();
      expect(resumed).toMatchObject({ stopped: false, globalStep: 6 });
      expect(resumed.trainLoss).toBe(fullResult.trainLoss);

      const a = full.model.parameters();
      const b = second.model.parameters();
      a.forEach((p, i) => {
        expect(bytes(b[i]!.data).equals(bytes(p.data)), p.name).toBe(true);
      });
      expect(deterministic(await readMetrics(storage))).toEqual(
        deterministic(await readMetrics(fullStorage)),
      );
      const files = await fullStorage.list('checkpoint-6');
      expect(files.map((f) => f.name)).toEqual([
        'data_state.json',
        'optimizer.safetensors',
        'rng_state.json',
        'scheduler.json',
        'trainable.safetensors',
        'trainer_state.json',
      ]);
      expect(await storage.list('checkpoint-6')).toEqual(files);
      for (const { name } of files) {
        const [x, y] = await Promise.all([
          fullStorage.readFile(`checkpoint-6/${name}`),
          storage.readFile(`checkpoint-6/${name}`),
        ]);
        const same =
          name === 'trainer_state.json'
            ? Buffer.from(x!).toString().replaceAll(fullStorage.location, '') ===
              Buffer.from(y!).toString().replaceAll(storage.location, '')
            : Buffer.from(x!).equals(Buffer.from(y!));
        expect(same, `checkpoint-6/${name}`).toBe(true);
      }
    },
  );

  test('on a device backend: checkpoints read the packed state back and resume writes it into the views', () =>
    onOpaqueBackend(async (memory) => {
      const run = async (storage: RunStorage, resume: boolean, stopAt?: number) => {
        const model = new QuadraticModel({ memory });
        const trainer: Trainer = new Trainer({
          model,
          trainDataset: train,
          storage,
          config: {
            padTokenId: 0,
            learningRate: 0.1,
            batchSize: 2,
            gradientAccumulationSteps: 2,
            maxSteps: 5,
            weightDecay: 0.1,
            saveSteps: 100,
            resume,
          },
          onProgress: (e) => e.step === stopAt && trainer.requestStop(),
        });
        await trainer.train();
        return Promise.all(model.params.map(async (p) => Array.from(await toHost(p.data))));
      };
      const full = await run(await makeStorage('device-full'), false);
      const storage = await makeStorage('device-resumed');
      const stopped = await run(storage, false, 2);
      expect(stopped).not.toEqual(full);
      expect(await run(storage, true)).toEqual(full);
    }));

  test('resume: true with no checkpoint in the storage is refused', async () => {
    const storage = await makeStorage('nockpt');
    await expect(makeTrainer(storage, true).trainer.train()).rejects.toThrow(
      `resume: expected a complete checkpoint-N folder in ${storage.location}, got none (start without resume)`,
    );
  });

  test('resume: a checkpoint name resumes from that checkpoint, not the latest', async () => {
    const storage = await makeStorage('named');
    const stopAt = (at: number) => makeTrainer(storage, false, (e, t) => e.step === at && t.requestStop());
    await stopAt(2).trainer.train();
    const third = makeTrainer(storage, false);
    await third.trainer.train(); // a fresh run over it: checkpoint-6
    const fromTwo = makeTrainer(storage, false);
    const steps: number[] = [];
    const t = new Trainer({
      ...fromTwo.options,
      config: { ...fromTwo.options.config, resume: 'checkpoint-2' },
      onProgress: (e) => steps.push(e.step),
    });
    expect(await t.train()).toMatchObject({ globalStep: 6, stopped: false });
    expect(steps).toEqual([3, 4, 5, 6]);
    expect(Array.from(hostF32(fromTwo.model.parameters()[1]!.data))).toEqual(
      Array.from(hostF32(third.model.parameters()[1]!.data)),
    );
  });

  test('resume with a different batch size is refused, naming the setting', async () => {
    const storage = await makeStorage('mismatch');
    const first = makeTrainer(storage, false, (e, t) => e.step === 1 && t.requestStop());
    await first.trainer.train();
    const model = new ToyLM({ vocabSize: VOCAB, hiddenSize: 8, seed: 9 });
    const t = new Trainer({
      model,
      trainDataset: train,
      storage,
      config: { padTokenId: 0, batchSize: 5, maxSteps: 6, resume: true },
    });
    await expect(t.train()).rejects.toThrow(
      /batchSize was 2 when it was saved, got 5; resume with the same dataset and batch settings/,
    );
  });
});

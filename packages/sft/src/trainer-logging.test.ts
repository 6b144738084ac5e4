import { onOpaqueBackend, registerOpaqueBackend } from '@lora/core';
import { collate } from '@lora/datasets';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { TrainerConfigError } from './errors.js';
import { evaluateModel } from './evaluate.js';
import { QuadraticModel } from './quadratic-model.test-support.js';
import { ToyLM } from './toy-model.js';
import { Trainer } from './trainer.js';
import { readText } from './run-storage.js';
import { readMetrics, tempStorage, toyExamples } from './trainer.test-support.js';
import type { TrainerState } from './trainer-state.js';
import type { ProgressEvent } from './trainer-types.js';

const train = toyExamples(14, 11, 41);
const evalSet = toyExamples(5, 11, 42);
const model = () => new ToyLM({ vocabSize: 11, hiddenSize: 6, dropout: 0.1, seed: 8 });

describe('logging', () => {
  test('metrics.jsonl, training.log, trainer_state.json and progress events', async () => {
    const storage = await tempStorage('log');
    const events: ProgressEvent[] = [];
    const trainer = new Trainer({
      model: model(),
      trainDataset: train,
      evalDataset: evalSet,
      storage,
      config: {
        padTokenId: 0,
        learningRate: 0.01,
        batchSize: 2,
        gradientAccumulationSteps: 2,
        maxSteps: 6,
        warmupSteps: 2,
        loggingSteps: 2,
        evalSteps: 3,
        saveSteps: 0,
      },
      onProgress: (e) => events.push(e),
    });
    const result = await trainer.train();
    const entries = await readMetrics(storage);
    expect(
      entries.map((e) => [e.step, 'loss' in e ? 'train' : 'eval_loss' in e ? 'eval' : 'summary']),
    ).toEqual([
      [2, 'train'],
      [3, 'eval'],
      [4, 'train'],
      [6, 'train'],
      [6, 'eval'],
      [6, 'summary'],
    ]);
    const trainEntry = entries[0]!;
    expect(Object.keys(trainEntry)).toEqual([
      'step',
      'epoch',
      'loss',
      'grad_norm',
      'lr',
      'tokens',
      'num_tokens',
      'mean_token_accuracy',
      'tokens_per_sec',
      'peak_memory_mb',
    ]);
    expect(trainEntry.lr).toBe(0.01 * (1 / 2)); // the lr used by step 2 is the schedule at step 1: warmup 1/2
    expect(trainEntry.peak_memory_mb).toBeGreaterThan(10);
    expect(trainEntry.tokens_per_sec).toBeGreaterThan(0);
    const evalEntry = entries[1]!;
    expect(evalEntry.eval_perplexity).toBeCloseTo(Math.exp(evalEntry.eval_loss!), 12);
    expect(entries[5]).toMatchObject({ step: 6, train_loss: result.trainLoss });

    const log = (await readText(storage, 'training.log'))!;
    expect(log).toMatch(/start: 6 steps, 4 trainable tensors, seed 42/);
    expect(log).toMatch(/step 2 \| epoch 0\.5714 \| loss \d\.\d{4} \| grad_norm \d\.\d{4} \| lr 5\.000e-3/);
    expect(log).toMatch(/step 3 \| epoch 0\.8571 \| eval_loss \d\.\d{4} \| eval_perplexity/);

    const state = JSON.parse((await readText(storage, 'trainer_state.json'))!) as TrainerState;
    expect(Object.keys(state)).toEqual([
      'best_global_step',
      'best_metric',
      'best_model_checkpoint',
      'epoch',
      'eval_steps',
      'global_step',
      'is_hyper_param_search',
      'is_local_process_zero',
      'is_world_process_zero',
      'log_history',
      'logging_steps',
      'max_steps',
      'num_input_tokens_seen',
      'num_train_epochs',
      'save_steps',
      'stateful_callbacks',
      'total_flos',
      'train_batch_size',
      'trial_name',
      'trial_params',
    ]);
    expect(state.log_history[0]).toEqual({
      epoch: trainEntry.epoch,
      grad_norm: trainEntry.grad_norm,
      learning_rate: trainEntry.lr,
      loss: trainEntry.loss,
      mean_token_accuracy: trainEntry.mean_token_accuracy,
      num_tokens: trainEntry.num_tokens,
      step: 2,
    });
    expect(state).toMatchObject({
      global_step: 6,
      max_steps: 6,
      logging_steps: 2,
      eval_steps: 3,
      num_train_epochs: 2,
    });

    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.every((e) => e.maxSteps === 6 && e.etaSeconds >= 0 && Number.isFinite(e.loss))).toBe(true);
    expect(events.at(-1)!.etaSeconds).toBe(0);
    expect(events[0]!.lr).toBe(0);
    await expect(trainer.train()).rejects.toThrow(
      /train\(\): expected a fresh Trainer, got one that has already run/,
    );
  });
});

test('a Trainer without a storage is refused before training, naming the option', () => {
  const options = { model: model(), trainDataset: train, config: { padTokenId: 0 } };
  const error = (() => {
    try {
      return new Trainer(options as unknown as ConstructorParameters<typeof Trainer>[0]);
    } catch (e) {
      return e;
    }
  })();
  expect(error).toBeInstanceOf(TrainerConfigError);
  expect(error).toMatchObject({ key: 'storage' });
  expect((error as Error).message).toBe(
    'storage: expected a RunStorage (await nodeStorage(dir), await opfsStorage(root) or memoryStorage()), got none',
  );
});

describe('evaluateModel', () => {
  test('token-weighted over the whole set: batch size does not change it, and it equals one big batch', async () => {
    const m = model();
    const settings = { padTokenId: 0, paddingSide: 'right' } as const;
    const byOne = await evaluateModel(m, evalSet, 1, settings);
    const byThree = await evaluateModel(m, evalSet, 3, settings);
    const all = await evaluateModel(m, evalSet, evalSet.length, settings);
    const whole = await m.step(collate(evalSet, settings), { training: false, backward: false });
    // each batch's loss sum is added on the device into a float32 slot: one batch is exactly the float32 sum; more
    // batches each round their (positive) sum once, so the mean moves by at most 2⁻²⁴ ≈ 6e-8 relative
    expect(all.eval_loss).toBe(Math.fround(whole.lossSum) / whole.tokens);
    expectClose(
      [byOne.eval_loss, byThree.eval_loss],
      [whole.lossSum / whole.tokens, whole.lossSum / whole.tokens],
      { rtol: 6e-8, atol: 0 },
      'eval_loss',
    );
    expect(byOne.eval_num_tokens).toBe(whole.tokens);
    expect(byOne.eval_mean_token_accuracy).toBe(whole.correct / whole.tokens);
    expectClose([byOne.eval_perplexity], [Math.exp(byOne.eval_loss)], { rtol: 1e-15 }, 'perplexity');
  });

  test('reads the device back once per eval set, whatever the number of batches', async () => {
    const m = new QuadraticModel({ memory: registerOpaqueBackend() });
    const settings = { padTokenId: 0, paddingSide: 'right' } as const;
    await onOpaqueBackend(async (memory) => {
      const before = memory.reads.length;
      const r = await evaluateModel(m, evalSet, 2, settings);
      expect(memory.reads.slice(before)).toEqual([3 * 3]); // [loss sum, tokens, hits] × 3 batches, in one read
      expect(r.eval_num_tokens).toBe(collate(evalSet, settings).labelTokens);
    });
  });
});

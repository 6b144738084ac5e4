import { describe, expect, test } from 'vitest';
import { resolveConfig, type TrainingConfig } from './config.js';
import { TrainerConfigError } from './errors.js';

const base: TrainingConfig = { padTokenId: 0 };

describe('resolveConfig', () => {
  test('defaults follow transformers TrainingArguments, with TRL SFTConfig learning rate and logging steps', () => {
    expect(resolveConfig(base)).toEqual({
      padTokenId: 0,
      paddingSide: 'right',
      learningRate: 2e-5,
      epochs: 3,
      maxSteps: -1,
      batchSize: 8,
      evalBatchSize: 8,
      gradientAccumulationSteps: 1,
      lrSchedulerType: 'linear',
      warmupSteps: 0,
      warmupRatio: 0,
      optim: 'adamw_torch',
      weightDecay: 0,
      adamBeta1: 0.9,
      adamBeta2: 0.999,
      adamEpsilon: 1e-8,
      maxGradNorm: 1,
      seed: 42,
      shuffle: true,
      loggingSteps: 10,
      evalSteps: undefined,
      saveSteps: 500,
      saveTotalLimit: undefined,
      metricForBestModel: 'eval_loss',
      greaterIsBetter: false,
      resume: false,
      gradientCheckpointing: false,
      neftuneNoiseAlpha: undefined,
    });
  });

  test.each([
    ['loss', 'eval_loss', false],
    ['eval_perplexity', 'eval_perplexity', false],
    ['mean_token_accuracy', 'eval_mean_token_accuracy', true],
  ])('metricForBestModel %s → %s, greater is better: %s', (metric, name, greater) => {
    const r = resolveConfig({ ...base, metricForBestModel: metric });
    expect([r.metricForBestModel, r.greaterIsBetter]).toEqual([name, greater]);
  });

  test.each([
    [{ padTokenId: -1 }, 'padTokenId', /padTokenId: expected an integer >= 0, got -1/],
    [{ batchSize: 0 }, 'batchSize', /batchSize: expected an integer > 0, got 0/],
    [{ learningRate: Number.NaN }, 'learningRate', /learningRate: expected a finite number > 0, got NaN/],
    [
      { lrSchedulerType: 'polynomial' },
      'lrSchedulerType',
      /lrSchedulerType: expected one of linear, cosine, constant, constant_with_warmup, got "polynomial"/,
    ],
    [{ optim: 'adafactor' }, 'optim', /optim: expected one of adamw_torch, adamw_8bit, sgd, got "adafactor"/],
    [{ adamBeta2: 1 }, 'adamBeta2', /adamBeta2: expected a number in \[0, 1\), got 1/],
    [{ maxSteps: 2.5 }, 'maxSteps', /maxSteps: expected an integer > 0, got 2.5/],
    [{ resume: '' }, 'resume', /resume: expected true, false or a checkpoint folder, got ""/],
    // a null is not "left out": `?? default` would train with the default without a word
    [
      { learningRate: null },
      'learningRate',
      /learningRate: expected a value, or the key left out .*got null/,
    ],
    [{ batchSize: null }, 'batchSize', /batchSize: expected a value, or the key left out .*got null/],
    // absurd magnitudes would plan ~1e302 steps and run on
    [{ epochs: 1e300 }, 'epochs', /epochs: expected a number in \(0, 1000000\], got 1e\+300/],
    [
      { epochs: Number.POSITIVE_INFINITY },
      'epochs',
      /epochs: expected a number in \(0, 1000000\], got Infinity/,
    ],
    [{ maxSteps: 1e300 }, 'maxSteps', /maxSteps: expected an integer > 0, got 1e\+300/],
    [
      { maxSteps: 2e9 },
      'maxSteps',
      /maxSteps: expected an integer in \[1, 1000000000\] or -1, got 2000000000/,
    ],
    [{ saveSteps: 2 ** 60 }, 'saveSteps', /saveSteps: expected an integer >= 0, got 1152921504606847000/],
  ])('%j is refused naming %s', (change, key, message) => {
    let error: unknown;
    try {
      resolveConfig({ ...base, ...(change as Partial<TrainingConfig>) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TrainerConfigError);
    expect((error as TrainerConfigError).key).toBe(key);
    expect((error as Error).message).toMatch(message);
  });

  test('a config that is not an object is refused naming config', () => {
    expect(() => resolveConfig(undefined as unknown as TrainingConfig)).toThrow(
      'config: expected an object of training arguments, got undefined',
    );
  });
});

import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { TrainerConfigError } from './errors.js';
import { type LrSchedulerType, learningRateAt, lrMultiplier, warmupStepsFor } from './schedule.js';

// Expected multipliers worked out by hand from transformers/optimization.py:
//   warmup: step / max(1, w)
//   linear: max(0, (total − step) / max(1, total − w))
//   cosine: max(0, ½(1 + cos(π · 2 · 0.5 · (step − w) / max(1, total − w))))
//   constant: 1; constant_with_warmup: warmup, then 1.
const table: [LrSchedulerType, number, number, number, number, string][] = [
  ['linear', 2, 10, 0, 0, '0/2: the first optimizer step runs at lr 0 when there is warmup'],
  ['linear', 2, 10, 1, 0.5, '1/2'],
  ['linear', 2, 10, 2, 1, '(10−2)/8'],
  ['linear', 2, 10, 5, 0.625, '(10−5)/8'],
  ['linear', 2, 10, 9, 0.125, '(10−9)/8'],
  ['linear', 2, 10, 10, 0, '(10−10)/8'],
  ['linear', 2, 10, 12, 0, 'max(0, −2/8)'],
  ['linear', 0, 4, 0, 1, 'no warmup: (4−0)/4'],
  ['linear', 0, 4, 3, 0.25, '(4−3)/4'],
  ['cosine', 2, 10, 1, 0.5, 'warmup 1/2'],
  ['cosine', 2, 10, 2, 1, 'progress 0: ½(1 + cos 0)'],
  ['cosine', 2, 10, 4, 0.5 + Math.SQRT2 / 4, 'progress ¼: ½(1 + cos π/4) = ½ + √2/4'],
  ['cosine', 2, 10, 6, 0.5, 'progress ½: ½(1 + cos π/2)'],
  ['cosine', 2, 10, 10, 0, 'progress 1: ½(1 + cos π)'],
  [
    'cosine',
    2,
    10,
    11,
    0.038060233744356575,
    'progress 9/8 rises again, as transformers does: ½(1 − cos π/8)',
  ],
  ['constant', 5, 10, 0, 1, 'constant ignores warmup'],
  ['constant', 0, 10, 7, 1, 'constant'],
  ['constant_with_warmup', 4, 10, 0, 0, '0/4'],
  ['constant_with_warmup', 4, 10, 1, 0.25, '1/4'],
  ['constant_with_warmup', 4, 10, 3, 0.75, '3/4'],
  ['constant_with_warmup', 4, 10, 4, 1, 'after warmup'],
  ['constant_with_warmup', 4, 10, 100, 1, 'past the end'],
];

describe('lrMultiplier (transformers get_*_schedule_with_warmup)', () => {
  test.each(table)(
    '%s warmup %i total %i at step %i = %f (%s)',
    (type, warmupSteps, totalSteps, step, expected) => {
      expectClose(
        [lrMultiplier({ type, warmupSteps, totalSteps }, step)],
        [expected],
        { rtol: 1e-14, atol: 1e-16 },
        `${type}@${step}`,
      );
    },
  );

  test('learningRateAt scales the multiplier by the base lr', () => {
    const options = { type: 'linear', baseLr: 2e-4, warmupSteps: 2, totalSteps: 10 } as const;
    expect(learningRateAt(options, 1)).toBe(1e-4);
    expect(learningRateAt(options, 5)).toBe(2e-4 * 0.625);
  });
});

describe('warmupStepsFor (TrainingArguments.get_warmup_steps)', () => {
  // Python's math.ceil(total * ratio) in the same doubles, so 100 · 0.07 = 7.000000000000001 gives 8 in both.
  test.each([
    [100, 0, 0.1, 10],
    [100, 0, 0.07, 8],
    [6, 0, 0.2, 2],
    [7, 0, 0.5, 4],
    [3, 0, 0.3, 1],
    [10, 3, 0.5, 3],
    [10, 0, 0, 0],
  ])('total %i, steps %i, ratio %f → %i', (total, steps, ratio, expected) => {
    expect(warmupStepsFor(total, steps, ratio)).toBe(expected);
  });

  test.each([
    [-1, 0, /warmupSteps: expected an integer >= 0, got -1/],
    [0, 1.5, /warmupRatio: expected a number in \[0, 1\], got 1.5/],
  ])('rejects steps %f ratio %f', (steps, ratio, message) => {
    expect(() => warmupStepsFor(10, steps, ratio)).toThrow(TrainerConfigError);
    expect(() => warmupStepsFor(10, steps, ratio)).toThrow(message);
  });
});

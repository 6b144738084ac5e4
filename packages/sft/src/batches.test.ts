import { shuffledIndices } from '@lora/datasets';
import { describe, expect, test } from 'vitest';
import { checkExamples, epochOrder, microBatch, planSteps } from './batches.js';
import { TrainerConfigError } from './errors.js';

describe('planSteps (Trainer.set_initial_training_values)', () => {
  // batches = ceil(n / B); updates = max(batches // gas + (batches % gas > 0), 1);
  // maxSteps = ceil(epochs · updates), or the given maxSteps with epochs = ceil(maxSteps / updates)
  test.each([
    [10, 2, 2, 2, undefined, 5, 3, 6, 2],
    [10, 3, 1, 1.5, undefined, 4, 4, 6, 2],
    [7, 8, 4, 3, undefined, 1, 1, 3, 3],
    [100, 4, 8, 3, 10, 25, 4, 10, 3],
    [16, 4, 4, 3, 1, 4, 1, 1, 1],
    [9, 3, 1, 3, undefined, 3, 3, 9, 3],
  ])(
    'n %i, batch %i, accumulation %i, epochs %f, maxSteps %s',
    (numExamples, batchSize, gas, epochs, maxSteps, batches, updates, steps, numEpochs) => {
      expect(planSteps({ numExamples, batchSize, gradientAccumulationSteps: gas, epochs, maxSteps })).toEqual(
        {
          batchesPerEpoch: batches,
          updateStepsPerEpoch: updates,
          maxSteps: steps,
          numTrainEpochs: numEpochs,
        },
      );
    },
  );
});

describe('epochOrder', () => {
  test('without shuffle it is 0..n-1 every epoch', () => {
    expect(Array.from(epochOrder(5, 42, 3, false))).toEqual([0, 1, 2, 3, 4]);
  });

  test('with shuffle it is @lora/datasets shuffledIndices(n, seed + epoch): a new permutation each epoch', () => {
    const e0 = epochOrder(20, 42, 0, true);
    const e1 = epochOrder(20, 42, 1, true);
    expect(e0).toEqual(shuffledIndices(20, 42));
    expect(e1).toEqual(shuffledIndices(20, 43));
    expect(Array.from(e1)).not.toEqual(Array.from(e0));
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe('microBatch', () => {
  test('collates examples order[b·B, (b+1)·B) with @lora/datasets collate; the last batch is short', () => {
    const examples = [
      { inputIds: [5, 6], labels: [5, 6] },
      { inputIds: [7, 8, 9], labels: [-100, 8, 9] },
      { inputIds: [3, 4], labels: [-100, 4] },
    ];
    const order = Uint32Array.from([2, 0, 1]);
    const first = microBatch(examples, order, 0, 2, { padTokenId: 0, paddingSide: 'right' });
    expect(Array.from(first.inputIds)).toEqual([3, 4, 5, 6]);
    expect(Array.from(first.labels)).toEqual([-100, 4, -100, 6]);
    expect(first.labelTokens).toBe(2);
    const last = microBatch(examples, order, 1, 2, { padTokenId: 0, paddingSide: 'right' });
    expect(last.batch).toBe(1);
    expect(last.labelTokens).toBe(2);
  });

  test('a packed block keeps its sequenceStarts: position ids restart there and its first labels are masked', () => {
    const block = { inputIds: [5, 6, 7, 8, 9], labels: [5, 6, 7, 8, 9], sequenceStarts: [0, 2] };
    const plain = { inputIds: [3, 4, 2], labels: [3, 4, 2] };
    const b = microBatch([plain, block], Uint32Array.from([1, 0]), 0, 2, {
      padTokenId: 0,
      paddingSide: 'right',
    });
    expect(Array.from(b.positionIds)).toEqual([0, 1, 0, 1, 2, 0, 1, 2, 0, 0]);
    expect(Array.from(b.labels)).toEqual([-100, 6, -100, 8, 9, -100, 4, 2, -100, -100]);
    expect(b.labelTokens).toBe(5);
  });
});

describe('checkExamples', () => {
  test.each([
    [[], 'trainDataset', /trainDataset: expected a non-empty array of tokenized examples/],
    [
      [{ inputIds: [1, 2], labels: [1] }],
      'trainDataset[0]',
      /trainDataset\[0\]: expected non-empty inputIds and one label per id, got 2 ids and 1 labels/,
    ],
    [
      [
        { inputIds: [1, 2], labels: [1, 2] },
        { inputIds: [1, -3], labels: [1, 2] },
      ],
      'trainDataset[1]',
      /trainDataset\[1\].inputIds\[1\]: expected a token id, got -3/,
    ],
    [
      [{ inputIds: [1, 2], labels: [1, -5] }],
      'trainDataset[0]',
      /labels\[1\]: expected a token id or -100, got -5/,
    ],
    [
      [{ inputIds: [1, 2, 3], labels: [1, -100, -100] }],
      'trainDataset[0]',
      /trainDataset\[0\]: expected at least one label after the first position, got none/,
    ],
    [
      [{ inputIds: [1, 2, 3], labels: [1, 2, 3], sequenceStarts: [0, 3] }],
      'trainDataset[0]',
      /trainDataset\[0\].sequenceStarts: expected increasing offsets from 0 below 3, got \[0, 3\]/,
    ],
    [
      [{ inputIds: [1, 2, 3], labels: [1, 2, -100], sequenceStarts: [0, 1, 2] }],
      'trainDataset[0]',
      /trainDataset\[0\]: expected at least one label after the first position, got none/,
    ],
  ])('%j is refused naming %s', (examples, key, message) => {
    let error: unknown;
    try {
      checkExamples(examples, 'trainDataset');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TrainerConfigError);
    expect((error as TrainerConfigError).key).toBe(key);
    expect((error as Error).message).toMatch(message);
  });
});

import { describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import { splitSizes, trainEvalSplit } from './split.js';

describe('splitSizes (HF train_test_split sizing)', () => {
  // expected values from Python: n_eval = math.ceil(ratio * n), n_train = n - n_eval
  test.each([
    [43258, 0.1, 38932, 4326],
    [10, 0.1, 9, 1],
    [3, 0.5, 1, 2],
    [2, 0.5, 1, 1],
    [7, 0.3, 4, 3],
    [90, 0.7, 27, 63],
    [1000, 0.001, 999, 1],
    [999, 0.05, 949, 50],
  ])('n=%i evalRatio=%f → %i train / %i eval', (n, evalRatio, train, evalCount) => {
    expect(splitSizes(n, { evalRatio })).toEqual({ train, eval: evalCount });
  });

  test.each([
    [100, 1, 99, 1],
    [100, 99, 1, 99],
  ])('n=%i evalSize=%i → %i / %i', (n, evalSize, train, evalCount) => {
    expect(splitSizes(n, { evalSize })).toEqual({ train, eval: evalCount });
  });

  test('no eval option keeps everything for training', () => {
    expect(splitSizes(5, {})).toEqual({ train: 5, eval: 0 });
  });

  test.each([
    [10, { evalRatio: 0 }, /evalRatio: expected a number in \(0, 1\), got number 0/],
    [10, { evalRatio: 1 }, /evalRatio: expected a number in \(0, 1\), got number 1/],
    [10, { evalRatio: Number.NaN }, /evalRatio: expected a number in \(0, 1\)/],
    [
      1,
      { evalRatio: 0.5 },
      /with 1 examples and evalRatio 0\.5, expected a non-empty train set, got 0 train examples/,
    ],
    [10, { evalSize: 10 }, /evalSize: expected an integer in \[1, 9\] for 10 examples, got number 10/],
    [10, { evalSize: 0 }, /evalSize: expected an integer in \[1, 9\]/],
    [10, { evalSize: 2.5 }, /evalSize: expected an integer/],
    [10, { evalRatio: 0.1, evalSize: 1 }, /expected evalRatio or evalSize, got both/],
  ])('n=%i %j is rejected', (n, options, message) => {
    expect(() => splitSizes(n, options)).toThrow(DatasetError);
    expect(() => splitSizes(n, options)).toThrow(message);
  });
});

describe('trainEvalSplit', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);

  test('partitions the items: disjoint, complete, sized by the ratio', () => {
    const { train, eval: held } = trainEvalSplit(items, { evalRatio: 0.2, seed: 1 });
    expect(held).toHaveLength(10);
    expect(train).toHaveLength(40);
    expect([...train, ...held].sort((a, b) => a - b)).toEqual(items);
  });

  test('same seed, same split; another seed, another split', () => {
    const a = trainEvalSplit(items, { evalRatio: 0.2, seed: 1 });
    expect(trainEvalSplit(items, { evalRatio: 0.2, seed: 1 })).toEqual(a);
    expect(trainEvalSplit(items, { evalRatio: 0.2, seed: 2 }).eval).not.toEqual(a.eval);
  });
});

import { describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import { packExamples } from './pack.js';

const I = -100;
const ex = (ids: number[], labels = ids) => ({ inputIds: ids, labels });

describe('packExamples', () => {
  test('fills blocks in order without splitting, masks each example start, records sequence starts', () => {
    const { blocks, stats } = packExamples([ex([1, 2, 3]), ex([4, 5], [I, 5]), ex([6, 7, 8, 9]), ex([10])], {
      maxLength: 6,
    });
    expect(blocks).toEqual([
      { inputIds: [1, 2, 3, 4, 5], labels: [I, 2, 3, I, 5], sequenceStarts: [0, 3] },
      { inputIds: [6, 7, 8, 9, 10], labels: [I, 7, 8, 9, I], sequenceStarts: [0, 4] },
    ]);
    expect(stats).toEqual({ examples: 4, blocks: 2, tokens: 10, fill: 10 / 12 });
  });

  test('an example exactly maxLength long gets a block of its own', () => {
    const { blocks } = packExamples([ex([1]), ex([2, 3, 4]), ex([5])], { maxLength: 3 });
    expect(blocks.map((b) => b.inputIds)).toEqual([[1], [2, 3, 4], [5]]);
  });

  test('no examples, no blocks', () => {
    expect(packExamples([], { maxLength: 4 })).toEqual({
      blocks: [],
      stats: { examples: 0, blocks: 0, tokens: 0, fill: 0 },
    });
  });

  test.each([
    [
      [ex([1, 2, 3, 4, 5])],
      4,
      /pack: examples\[0\]: expected 1\.\.4 tokens with one label each, got 5 tokens and 5 labels; tokenize with the same maxLength first/,
    ],
    [[ex([1, 2], [1])], 4, /got 2 tokens and 1 labels/],
    [[ex([])], 4, /got 0 tokens/],
    [[ex([1])], 0, /pack: maxLength: expected a positive integer, got number 0/],
  ])('rejects %j at maxLength %i', (examples, maxLength, message) => {
    expect(() => packExamples(examples, { maxLength })).toThrow(DatasetError);
    expect(() => packExamples(examples, { maxLength })).toThrow(message);
  });

  test('names the file and line of a bad example', () => {
    const bad = { inputIds: [1, 2, 3], labels: [1, 2, 3], where: { file: 'd.jsonl', line: 9 } };
    expect(() => packExamples([bad], { maxLength: 2 })).toThrow(
      'pack: examples[0] (d.jsonl line 9): expected 1..2 tokens',
    );
  });
});

import { describe, expect, test } from 'vitest';
import { assembleBatch, type BatchDefaults, type EncodeBatchOptions, type EncodedParts } from './batch.js';
import { TokenizationError } from './errors.js';

const BOS = 1;
const EOS = 2;
const PAD = 0;
const defaults: BatchDefaults = {
  paddingSide: 'right',
  truncationSide: 'right',
  modelMaxLength: undefined,
  padTokenId: PAD,
  padToken: '<pad>',
};
const row = (content: number[], prefix: number[] = [BOS], suffix: number[] = []): EncodedParts => ({
  prefix,
  content,
  suffix,
});
const rows = [row([10, 11, 12, 13, 14]), row([20])];

describe('assembleBatch', () => {
  test.each<[string, EncodeBatchOptions, number[][], number[][]]>([
    [
      'no padding: ragged rows, all-ones masks',
      {},
      [
        [BOS, 10, 11, 12, 13, 14],
        [BOS, 20],
      ],
      [
        [1, 1, 1, 1, 1, 1],
        [1, 1],
      ],
    ],
    [
      'longest, right',
      { padding: 'longest' },
      [
        [BOS, 10, 11, 12, 13, 14],
        [BOS, 20, PAD, PAD, PAD, PAD],
      ],
      [
        [1, 1, 1, 1, 1, 1],
        [1, 1, 0, 0, 0, 0],
      ],
    ],
    [
      'longest, left',
      { padding: 'longest', paddingSide: 'left' },
      [
        [BOS, 10, 11, 12, 13, 14],
        [PAD, PAD, PAD, PAD, BOS, 20],
      ],
      [
        [1, 1, 1, 1, 1, 1],
        [0, 0, 0, 0, 1, 1],
      ],
    ],
    [
      'max_length pads past the longest row',
      { padding: 'max_length', maxLength: 8 },
      [
        [BOS, 10, 11, 12, 13, 14, PAD, PAD],
        [BOS, 20, PAD, PAD, PAD, PAD, PAD, PAD],
      ],
      [
        [1, 1, 1, 1, 1, 1, 0, 0],
        [1, 1, 0, 0, 0, 0, 0, 0],
      ],
    ],
    [
      'truncation right keeps the bos the post-processor adds',
      { truncation: true, maxLength: 3, padding: 'longest' },
      [
        [BOS, 10, 11],
        [BOS, 20, PAD],
      ],
      [
        [1, 1, 1],
        [1, 1, 0],
      ],
    ],
    [
      'truncation left keeps the end of the text',
      { truncation: true, maxLength: 3, truncationSide: 'left' },
      [
        [BOS, 13, 14],
        [BOS, 20],
      ],
      [
        [1, 1, 1],
        [1, 1],
      ],
    ],
    [
      'a row at exactly maxLength is left alone',
      { maxLength: 6 },
      [
        [BOS, 10, 11, 12, 13, 14],
        [BOS, 20],
      ],
      [
        [1, 1, 1, 1, 1, 1],
        [1, 1],
      ],
    ],
  ])('%s', (_name, options, inputIds, attentionMask) => {
    expect(assembleBatch(rows, options, defaults)).toEqual({ inputIds, attentionMask });
  });

  test('truncation keeps a suffix (eos) too', () => {
    const got = assembleBatch(
      [row([10, 11, 12, 13], [BOS], [EOS])],
      { truncation: true, maxLength: 4 },
      defaults,
    );
    expect(got.inputIds).toEqual([[BOS, 10, 11, EOS]]);
  });

  test('defaults come from the tokenizer: padding side, and modelMaxLength as the truncation length', () => {
    const got = assembleBatch(
      rows,
      { padding: 'longest', truncation: true },
      { ...defaults, paddingSide: 'left', modelMaxLength: 4 },
    );
    expect(got.inputIds).toEqual([
      [BOS, 10, 11, 12],
      [PAD, PAD, BOS, 20],
    ]);
  });

  test('an empty batch is empty', () => {
    expect(assembleBatch([], { padding: 'longest' }, defaults)).toEqual({ inputIds: [], attentionMask: [] });
  });

  test.each<[string, EncodeBatchOptions, Partial<BatchDefaults>, RegExp]>([
    [
      'too long without truncation: names the text and its length',
      { maxLength: 4 },
      {},
      /text 0 is 6 tokens long: expected at most maxLength 4/,
    ],
    [
      'padding with no pad token',
      { padding: 'longest' },
      { padTokenId: undefined },
      /needs a pad token: expected tokenizer_config\.json pad_token, got none/,
    ],
    ["'max_length' without maxLength", { padding: 'max_length' }, {}, /padding 'max_length' needs maxLength/],
    ['truncation with no length at all', { truncation: true }, {}, /truncation: true needs a length/],
    [
      'a bad padding value',
      { padding: true as unknown as 'longest' },
      {},
      /padding: expected false, 'longest' or 'max_length', got true/,
    ],
    [
      'a bad side',
      { paddingSide: 'middle' as 'left' },
      {},
      /paddingSide: expected 'left' or 'right', got "middle"/,
    ],
    ['a bad maxLength', { maxLength: 2.5 }, {}, /maxLength: expected a positive integer, got 2.5/],
  ])('error: %s', (_name, options, over, message) => {
    expect(() => assembleBatch(rows, options, { ...defaults, ...over })).toThrow(TokenizationError);
    expect(() => assembleBatch(rows, options, { ...defaults, ...over })).toThrow(message);
  });

  test('error: maxLength too small for the special tokens', () => {
    const input = [row([10, 11], [BOS], [EOS])];
    expect(() => assembleBatch(input, { truncation: true, maxLength: 1 }, defaults)).toThrow(
      /maxLength 1 cannot hold the 2 special tokens added to text 0/,
    );
  });
});

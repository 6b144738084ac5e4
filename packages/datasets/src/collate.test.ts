import { describe, expect, test } from 'vitest';
import { collate } from './collate.js';
import { DatasetError } from './errors.js';

const I = -100;

describe('collate', () => {
  const rows = [
    { inputIds: [11, 12, 13], labels: [I, 12, 13] },
    { inputIds: [21, 22], labels: [21, 22] },
  ];

  test('right padding: pads ids with padTokenId, labels with -100, mask 0; first label never counts', () => {
    const batch = collate(rows, { padTokenId: 0 });
    expect(batch.batch).toBe(2);
    expect(batch.seqLen).toBe(3);
    expect(Array.from(batch.inputIds)).toEqual([11, 12, 13, 21, 22, 0]);
    expect(Array.from(batch.labels)).toEqual([I, 12, 13, I, 22, I]);
    expect(Array.from(batch.attentionMask)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(Array.from(batch.positionIds)).toEqual([0, 1, 2, 0, 1, 0]);
    // the shifted loss uses labels[1:] of each row: 12, 13 and 22
    expect(batch.labelTokens).toBe(3);
  });

  test('left padding puts the padding first', () => {
    const batch = collate(rows, { padTokenId: 0, paddingSide: 'left' });
    expect(Array.from(batch.inputIds)).toEqual([11, 12, 13, 0, 21, 22]);
    expect(Array.from(batch.labels)).toEqual([I, 12, 13, I, I, 22]);
    expect(Array.from(batch.attentionMask)).toEqual([1, 1, 1, 0, 1, 1]);
    expect(Array.from(batch.positionIds)).toEqual([0, 1, 2, 0, 0, 1]);
    expect(batch.labelTokens).toBe(3);
  });

  test('padToMultipleOf rounds the length up', () => {
    const batch = collate(rows, { padTokenId: 7, padToMultipleOf: 4 });
    expect(batch.seqLen).toBe(4);
    expect(Array.from(batch.inputIds)).toEqual([11, 12, 13, 7, 21, 22, 7, 7]);
    expect(batch.inputIds).toBeInstanceOf(Int32Array);
    expect(batch.attentionMask).toBeInstanceOf(Uint8Array);
  });

  test('pad id equal to EOS leaves a trained EOS trained (labels come from the rows, not from the ids)', () => {
    const batch = collate(
      [
        { inputIds: [5, 2], labels: [I, 2] },
        { inputIds: [5], labels: [5] },
      ],
      { padTokenId: 2 },
    );
    expect(Array.from(batch.labels)).toEqual([I, 2, I, I]);
    expect(batch.labelTokens).toBe(1);
  });

  test('packed blocks restart positions at each sequence start', () => {
    const batch = collate([{ inputIds: [1, 2, 3, 4, 5], labels: [I, 2, 3, I, 5], sequenceStarts: [0, 3] }], {
      padTokenId: 0,
    });
    expect(Array.from(batch.positionIds)).toEqual([0, 1, 2, 0, 1]);
    expect(batch.labelTokens).toBe(3);
  });

  test("a packed example's first label is masked even when the row's labels keep it (nothing predicts it)", () => {
    const batch = collate(
      [
        { inputIds: [1, 2, 3, 4, 5], labels: [1, 2, 3, 4, 5], sequenceStarts: [0, 2, 4] },
        { inputIds: [6, 7], labels: [6, 7] },
      ],
      { padTokenId: 0, paddingSide: 'left' },
    );
    expect(Array.from(batch.labels)).toEqual([I, 2, I, 4, I, I, I, I, I, 7]);
    expect(Array.from(batch.positionIds)).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 0, 1]);
    expect(batch.labelTokens).toBe(3);
  });

  test.each([
    [[], { padTokenId: 0 }, /collate: expected at least one row, got an array of 0/],
    [
      [{ inputIds: [1], labels: [1] }],
      { padTokenId: undefined },
      /collate: padTokenId: expected a token id, got undefined \(a tokenizer without a pad token can pad with its EOS id\)/,
    ],
    [
      [{ inputIds: [1], labels: [1] }],
      { padTokenId: 0, paddingSide: 'middle' },
      /paddingSide: expected 'right' or 'left', got "middle"/,
    ],
    [
      [{ inputIds: [1], labels: [1] }],
      { padTokenId: 0, padToMultipleOf: 0 },
      /padToMultipleOf: expected a positive integer, got number 0/,
    ],
    [
      [{ inputIds: [1, 2], labels: [1] }],
      { padTokenId: 0 },
      /collate: rows\[0\]: expected a non-empty inputIds and one label per id, got an array of 2 ids and an array of 1 labels/,
    ],
    [
      [{ inputIds: [1, 2], labels: [1, 2], sequenceStarts: [1] }],
      { padTokenId: 0 },
      /rows\[0\]\.sequenceStarts: expected increasing offsets from 0 below 2, got \[1\]/,
    ],
  ])('rejects %j with %j', (badRows, options, message) => {
    expect(() => collate(badRows as never, options as never)).toThrow(DatasetError);
    expect(() => collate(badRows as never, options as never)).toThrow(message);
  });
});

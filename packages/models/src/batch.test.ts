import { describe, expect, test } from 'vitest';
import {
  batchLayout,
  checkPositionIds,
  packedSegments,
  placeLayout,
  positionsFromMask,
  shiftedTargets,
} from './batch.js';
import { ModelInputError } from './errors.js';

const I = -100;
const spans = (s: readonly { start: number; length: number }[]) => s.map((x) => [x.start, x.length]);

describe('checkPositionIds', () => {
  test.each([
    { label: 'one sequence per row', ids: [0, 1, 2, 0, 1, 2], mask: undefined },
    { label: 'packed rows', ids: [0, 1, 0, 0, 1, 2], mask: undefined },
    { label: 'padding values are ignored', ids: [0, 1, 9, 0, 0, 1], mask: [1, 1, 0, 0, 1, 1] },
    { label: "collate's output, right and left padded", ids: [0, 1, 0, 0, 0, 1], mask: [1, 1, 0, 0, 1, 1] },
  ])('accepts $label', ({ ids, mask }) => {
    expect(() =>
      checkPositionIds('step', Int32Array.from(ids), 2, 3, mask && Uint8Array.from(mask)),
    ).not.toThrow();
  });

  test.each([
    {
      ids: [0, 1, 2, 0, 1],
      mask: undefined,
      message: 'step: positionIds expected an Int32Array of 2×3 = 6 values, got 5 values',
    },
    {
      ids: [0, 1, 2, 0, -1, 0],
      mask: undefined,
      message: 'step: positionIds[4] (row 1, column 1) expected a position >= 0, got -1',
    },
    {
      ids: [0, 1, 3, 0, 1, 2],
      mask: undefined,
      message:
        'step: positionIds[2] (row 0, column 2) expected 2 (continuing) or 0 (a new packed example), got 3',
    },
    {
      ids: [0, 1, 2, 0, 1, 2],
      mask: [1, 1, 1, 0, 1, 1],
      message: 'step: positionIds[4] (row 1, column 1) expected 0 (the first real token of a row), got 1',
    },
    {
      ids: [1, 2, 3, 0, 1, 2],
      mask: undefined,
      message: 'step: positionIds[0] (row 0, column 0) expected 0 (the first real token of a row), got 1',
    },
  ])('refuses $message', ({ ids, mask, message }) => {
    const check = () => checkPositionIds('step', Int32Array.from(ids), 2, 3, mask && Uint8Array.from(mask));
    expect(check).toThrow(ModelInputError);
    expect(check).toThrow(message);
  });
});

describe('packedSegments and batchLayout', () => {
  test.each([
    {
      label: 'no restart: one segment per row',
      ids: [0, 1, 2, 0, 1, 2],
      mask: undefined,
      want: [
        [0, 3],
        [3, 3],
      ],
    },
    {
      label: 'restarts split rows',
      ids: [0, 0, 1, 0, 1, 0],
      mask: undefined,
      want: [
        [0, 1],
        [1, 2],
        [3, 2],
        [5, 1],
      ],
    },
    {
      label: 'left padding joins the first segment, right padding the last',
      ids: [0, 0, 1, 0, 1, 0],
      mask: [0, 1, 1, 1, 1, 0],
      want: [
        [0, 3],
        [3, 3],
      ],
    },
    {
      label: 'padding between examples joins the one before',
      ids: [0, 0, 0, 0, 0, 0],
      mask: [1, 0, 1, 1, 1, 1],
      want: [
        [0, 2],
        [2, 1],
        [3, 1],
        [4, 1],
        [5, 1],
      ],
    },
  ])('$label', ({ ids, mask, want }) => {
    const m = mask && Uint8Array.from(mask);
    expect(spans(packedSegments(2, 3, Int32Array.from(ids), m))).toEqual(want);
    expect(spans(batchLayout(2, 3, m, Int32Array.from(ids)).segments)).toEqual(want);
  });

  test('positions come from the position ids (0 on padding); without them, from the mask, one segment per row', () => {
    const mask = Uint8Array.from([1, 1, 1, 0, 1, 1]);
    const packed = batchLayout(2, 3, mask, Int32Array.from([0, 1, 0, 7, 0, 1]));
    expect(Array.from(packed.positions)).toEqual([0, 1, 0, 0, 0, 1]);
    const plain = batchLayout(2, 3, mask);
    expect(Array.from(plain.positions)).toEqual(Array.from(positionsFromMask(2, 3, mask)));
    expect(spans(plain.segments)).toEqual([
      [0, 3],
      [3, 3],
    ]);
  });
});

describe('placeLayout', () => {
  test('uploads positions, the key mask (only with padding) and each segment’s first row, by key', () => {
    const uploads = new Map<string, number[]>();
    const upload = (key: string, data: Int32Array) => {
      uploads.set(key, Array.from(data));
      return data;
    };
    const mask = Uint8Array.from([1, 1, 1, 1, 1, 0]);
    const host = batchLayout(2, 3, mask, Int32Array.from([0, 1, 0, 0, 1, 0]));
    const placed = placeLayout(host, upload);
    expect(placed.segments).toBe(host.segments);
    expect(placed.positions).toBe(host.positions);
    expect(uploads).toEqual(
      new Map([
        ['positions', [0, 1, 0, 0, 1, 0]],
        ['key-mask', [1, 1, 1, 1, 1, 0]],
        ['segment-starts', [0, 2, 3]],
      ]),
    );
    expect(Array.from(placed.device.keyMask as Int32Array)).toEqual([1, 1, 1, 1, 1, 0]);
    uploads.clear();
    const unpadded = placeLayout(batchLayout(2, 3, Uint8Array.from([1, 1, 1, 1, 1, 1])), upload);
    expect(unpadded.device.keyMask).toBeUndefined();
    expect([...uploads.keys()]).toEqual(['positions', 'segment-starts']);
    expect(uploads.get('segment-starts')).toEqual([0, 3]);
  });
});

describe('shiftedTargets', () => {
  const batch = { inputIds: new Int32Array(6), batch: 1, seqLen: 6 };
  test.each([
    { label: 'one sequence', positionIds: undefined, want: [1, 2, 3, 4, 5, I] },
    {
      label: 'an example starts at t = 3: its first label is never a target',
      positionIds: [0, 1, 2, 0, 1, 2],
      want: [1, 2, I, 4, 5, I],
    },
  ])('$label', ({ positionIds, want }) => {
    const targets = shiftedTargets(
      {
        ...batch,
        labels: Int32Array.from([0, 1, 2, 3, 4, 5]),
        positionIds: positionIds && Int32Array.from(positionIds),
      },
      8,
    );
    expect(Array.from(targets)).toEqual(want);
  });
});

import { makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64, weightedSum } from '../../gradcheck.js';
import { embedding, embeddingBackward } from './embedding.js';

const rng = makeRng(31);
const random64 = (n: number): Float64Array => Float64Array.from({ length: n }, () => rng.normal());

const CASES = [
  { vocab: 1, dim: 1, ids: [0] },
  { vocab: 6, dim: 4, ids: [1, 5, 1, 0, 1] },
  { vocab: 17, dim: 3, ids: [16, 0, 16, 16, 2, 9, 9] },
];

describe('embedding (reference)', () => {
  test.each(CASES)('V $vocab, C $dim, ids $ids: out[t] = table[ids[t]]', ({ vocab, dim, ids }) => {
    const table = random64(vocab * dim);
    const out = new Float64Array(ids.length * dim);
    embedding({ ids: Int32Array.from(ids), table: k64(table), out: k64(out), tokens: ids.length, dim });
    const expected = ids.flatMap((id) => Array.from(table.subarray(id * dim, (id + 1) * dim)));
    expect(Array.from(out)).toEqual(expected);
  });

  test.each(CASES)('V $vocab, C $dim, ids $ids: backward scatter-adds (gradcheck)', ({ vocab, dim, ids }) => {
    const table = random64(vocab * dim);
    const dout = random64(ids.length * dim);
    const tokens = ids.length;
    const loss = (): number => {
      const out = new Float64Array(tokens * dim);
      embedding({ ids: Int32Array.from(ids), table: k64(table), out: k64(out), tokens, dim });
      return weightedSum(out, dout);
    };
    const d0 = random64(vocab * dim); // accumulated onto, never overwritten
    const dtable = d0.slice();
    embeddingBackward({
      ids: Int32Array.from(ids),
      dout: k64(dout),
      dtableAccumulate: k64(dtable),
      tokens,
      dim,
    });
    gradcheck(loss, [{ name: 'dtable', value: table, grad: dtable.map((v, i) => v - d0[i]!) }]);
  });

  test.each([
    [[0, 6], /embedding: ids\[1\] expected a row of table \(V, C\) in \[0, 6\), got 6/],
    [[-1], /embedding: ids\[0\] expected a row of table \(V, C\) in \[0, 6\), got -1/],
  ])('rejects ids %j outside the table', (ids, message) => {
    const call = () =>
      embedding({
        ids: Int32Array.from(ids),
        table: new Float32Array(24),
        out: new Float32Array(8),
        tokens: ids.length,
        dim: 4,
      });
    expect(call).toThrow(message);
  });

  test('backward rejects ids outside the gradient table', () => {
    const call = () =>
      embeddingBackward({
        ids: Int32Array.from([3]),
        dout: new Float32Array(2),
        dtableAccumulate: new Float32Array(6),
        tokens: 1,
        dim: 2,
      });
    expect(call).toThrow(
      /embeddingBackward: ids\[0\] expected a row of dtableAccumulate \(V, C\) in \[0, 3\), got 3/,
    );
  });
});

describe('embedding row blocks (a table split across arrays)', () => {
  const [vocab, dim] = [10, 3];
  const ids = Int32Array.from([9, 0, 4, 4, 7, 3, 9, 1]);
  const tokens = ids.length;
  const table = Float32Array.from({ length: vocab * dim }, () => rng.normal());
  const dout = Float32Array.from({ length: tokens * dim }, () => rng.normal());
  const blocks = [
    [0, 4],
    [4, 4],
    [8, 2],
  ] as const;

  test('the blocks, each skipping the ids of the others, gather what the whole table does', () => {
    const whole = new Float32Array(tokens * dim);
    embedding({ ids, table, out: whole, tokens, dim });
    const out = new Float32Array(tokens * dim).fill(Number.NaN);
    for (const [rowStart, rowCount] of blocks) {
      const part = table.subarray(rowStart * dim, (rowStart + rowCount) * dim);
      embedding({ ids, table: part, out, tokens, dim, rowStart, rowCount });
    }
    expect(Array.from(out)).toEqual(Array.from(whole));
  });

  test('the blocks scatter-add into their rows what the whole table does, bit for bit', () => {
    const whole = new Float32Array(vocab * dim);
    embeddingBackward({ ids, dout, dtableAccumulate: whole, tokens, dim });
    const split = new Float32Array(vocab * dim);
    for (const [rowStart, rowCount] of blocks) {
      const part = split.subarray(rowStart * dim, (rowStart + rowCount) * dim);
      embeddingBackward({ ids, dout, dtableAccumulate: part, tokens, dim, rowStart, rowCount });
    }
    expect(Array.from(split)).toEqual(Array.from(whole));
  });

  test.each([
    [
      { rowStart: 2 },
      /embedding: rowStart and rowCount expected together, got rowStart 2 and rowCount undefined/,
    ],
    [
      { rowStart: 0, rowCount: 5 },
      /embedding: table expected at least rowCount = 5 rows of 3, got 12 elements/,
    ],
    [{ rowStart: -1, rowCount: 1 }, /embedding: rowStart expected a non-negative integer, got -1/],
  ])('rejects the block %j', (block, message) => {
    const call = () =>
      embedding({
        ids,
        table: new Float32Array(12),
        out: new Float32Array(tokens * dim),
        tokens,
        dim,
        ...block,
      });
    expect(call).toThrow(message);
  });
});

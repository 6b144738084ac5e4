import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gradcheck, asKernelArray as k64, weightedSum } from '../../gradcheck.js';
import { KernelArgumentError } from '../check.js';
import { causalSoftmax } from './causal-softmax.js';
import { softmax, softmaxBackward } from './softmax.js';

const rng = makeRng(71);
const random64 = (n: number, scale = 1): Float64Array =>
  Float64Array.from({ length: n }, () => scale * rng.normal());

interface Case {
  blocks: number;
  heads: number;
  queries: number;
  keys: number;
  queryStart: number;
  /** one mask row per block (1 = real token), or none */
  masks?: number[][];
}

/** keyMask and maskOffsets for per-block masks, the blocks' rows laid out back to back after `lead` zeros. */
function packMasks(masks: number[][], lead = 0): { keyMask: Int32Array; maskOffsets: Int32Array } {
  const offsets: number[] = [];
  const flat: number[] = new Array(lead).fill(0);
  for (const m of masks) {
    offsets.push(flat.length);
    flat.push(...m);
  }
  return { keyMask: Int32Array.from(flat), maskOffsets: Int32Array.from(offsets) };
}

function run(x: Float64Array, c: Case, out = new Float64Array(x.length)): Float64Array {
  const { blocks, heads, queries, keys, queryStart } = c;
  const mask = c.masks ? packMasks(c.masks, 3) : {};
  causalSoftmax({ x: k64(x), out: k64(out), blocks, heads, queries, keys, queryStart, ...mask });
  return out;
}

/**
 * transformers' eager attention, written out: scores + a (queries, keys) mask of 0 / −∞ (causal: key j > position of
 * the query; padding: key j is padding), then softmax over the keys; rows of padded queries are zeroed after.
 */
function eager(x: Float64Array, c: Case): Float64Array {
  const { blocks, heads, queries, keys, queryStart } = c;
  const masked = new Float64Array(x.length);
  const paddedQuery = new Uint8Array(blocks * heads * queries);
  for (let b = 0; b < blocks; b++) {
    const real = c.masks?.[b] ?? new Array<number>(keys).fill(1);
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < queries; i++) {
        const row = (b * heads + h) * queries + i;
        paddedQuery[row] = real[queryStart + i] === 0 ? 1 : 0;
        for (let j = 0; j < keys; j++) {
          const visible = j <= queryStart + i && real[j] !== 0;
          masked[row * keys + j] = x[row * keys + j]! + (visible ? 0 : Number.NEGATIVE_INFINITY);
        }
      }
    }
  }
  const rows = blocks * heads * queries;
  const out = new Float64Array(x.length);
  softmax({ x: k64(masked), out: k64(out), rows, cols: keys });
  for (let row = 0; row < rows; row++) if (paddedQuery[row]) out.fill(0, row * keys, (row + 1) * keys);
  return out;
}

const CASES: Case[] = [
  { blocks: 1, heads: 1, queries: 1, keys: 1, queryStart: 0 },
  { blocks: 1, heads: 2, queries: 5, keys: 5, queryStart: 0 },
  { blocks: 2, heads: 3, queries: 4, keys: 4, queryStart: 0 },
  // right padding (a short sequence in a batch) and left padding (generation)
  {
    blocks: 2,
    heads: 2,
    queries: 6,
    keys: 6,
    queryStart: 0,
    masks: [
      [1, 1, 1, 1, 0, 0],
      [0, 0, 1, 1, 1, 1],
    ],
  },
  // a hole in the middle (packed sequences masked apart) and a fully real block
  {
    blocks: 2,
    heads: 1,
    queries: 5,
    keys: 5,
    queryStart: 0,
    masks: [
      [1, 0, 1, 1, 0],
      [1, 1, 1, 1, 1],
    ],
  },
  // decoding: the queries are the last of the keys
  { blocks: 1, heads: 2, queries: 1, keys: 7, queryStart: 6 },
  {
    blocks: 2,
    heads: 2,
    queries: 3,
    keys: 8,
    queryStart: 5,
    masks: [
      [0, 0, 1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 1, 1, 0],
    ],
  },
  // a chunk of queries in the middle of the keys (chunked prefill)
  { blocks: 1, heads: 1, queries: 2, keys: 6, queryStart: 2 },
];

const label = (c: Case) =>
  `${c.blocks}×${c.heads}×${c.queries}×${c.keys} from ${c.queryStart}${c.masks ? `, masks ${JSON.stringify(c.masks)}` : ''}`;

describe('causalSoftmax (reference)', () => {
  test.each(CASES.map((c) => [label(c), c] as const))(
    '%s equals softmax(scores + causal/padding −∞ mask), padded query rows zero',
    (_, c) => {
      const x = random64(c.blocks * c.heads * c.queries * c.keys, 2);
      expectClose(run(x, c), eager(x, c), { rtol: 1e-14, atol: 1e-16 }, 'causalSoftmax');
    },
  );

  test.each(CASES.map((c) => [label(c), c] as const))(
    '%s: masked entries are exactly 0, rows sum to 1 or 0',
    (_, c) => {
      const x = random64(c.blocks * c.heads * c.queries * c.keys, 2);
      const out = run(x, c);
      for (let b = 0; b < c.blocks; b++) {
        const real = c.masks?.[b] ?? new Array<number>(c.keys).fill(1);
        for (let h = 0; h < c.heads; h++) {
          for (let i = 0; i < c.queries; i++) {
            const base = ((b * c.heads + h) * c.queries + i) * c.keys;
            const last = c.queryStart + i;
            let sum = 0;
            for (let j = 0; j < c.keys; j++) {
              const v = out[base + j]!;
              sum += v;
              if (j > last || real[j] === 0 || real[last] === 0)
                expect(Object.is(v, 0), `row ${base / c.keys}, key ${j}`).toBe(true);
              else expect(v).toBeGreaterThan(0);
            }
            expect(sum).toBeCloseTo(real[last] === 0 ? 0 : 1, 14);
          }
        }
      }
    },
  );

  test.each([
    { keys: 6, queries: 1 },
    { keys: 6, queries: 3 },
    { keys: 9, queries: 9 },
  ])(
    'decoding $queries of $keys queries equals the last rows of the full (keys × keys) softmax',
    ({ keys, queries }) => {
      const [blocks, heads] = [2, 3];
      const masks = [[0, 0, ...new Array<number>(keys - 2).fill(1)], new Array<number>(keys).fill(1)];
      const full: Case = { blocks, heads, queries: keys, keys, queryStart: 0, masks };
      const step: Case = { blocks, heads, queries, keys, queryStart: keys - queries, masks };
      const xFull = random64(blocks * heads * keys * keys, 3);
      const xStep = new Float64Array(blocks * heads * queries * keys);
      for (let bh = 0; bh < blocks * heads; bh++)
        xStep.set(
          xFull.subarray((bh * keys + keys - queries) * keys, (bh + 1) * keys * keys),
          bh * queries * keys,
        );
      const outFull = run(xFull, full);
      const outStep = run(xStep, step);
      for (let bh = 0; bh < blocks * heads; bh++) {
        const expected = outFull.subarray((bh * keys + keys - queries) * keys, (bh + 1) * keys * keys);
        expect(Array.from(outStep.subarray(bh * queries * keys, (bh + 1) * queries * keys))).toEqual(
          Array.from(expected),
        );
      }
    },
  );

  test('each block reads its own keyMask row at maskOffsets[b], in any order', () => {
    const c: Case = {
      blocks: 2,
      heads: 1,
      queries: 4,
      keys: 4,
      queryStart: 0,
      masks: [
        [1, 1, 0, 0],
        [0, 1, 1, 1],
      ],
    };
    const x = random64(2 * 4 * 4);
    const expected = eager(x, c);
    // the same rows stored in the other order, with the offsets swapped
    const keyMask = Int32Array.from([9, 0, 1, 1, 1, 1, 1, 0, 0]);
    const out = new Float64Array(x.length);
    causalSoftmax({
      x: k64(x),
      out: k64(out),
      blocks: 2,
      heads: 1,
      queries: 4,
      keys: 4,
      queryStart: 0,
      keyMask,
      maskOffsets: Int32Array.from([5, 1]),
    });
    expect(Array.from(out)).toEqual(Array.from(expected));
  });

  test('in place (out aliasing x) equals out-of-place, in float32', () => {
    const c = CASES[6]!;
    const size = c.blocks * c.heads * c.queries * c.keys;
    const x = Float32Array.from(random64(size, 2));
    const { keyMask, maskOffsets } = packMasks(c.masks!);
    const args = {
      blocks: c.blocks,
      heads: c.heads,
      queries: c.queries,
      keys: c.keys,
      queryStart: c.queryStart,
      keyMask,
      maskOffsets,
    };
    const out = new Float32Array(size);
    causalSoftmax({ x, out, ...args });
    causalSoftmax({ x, out: x, ...args });
    expect(Array.from(x)).toEqual(Array.from(out));
  });

  test('is shift-invariant and does not overflow for scores near 1000', () => {
    const c = CASES[3]!;
    const x = random64(c.blocks * c.heads * c.queries * c.keys, 3);
    expectClose(
      run(
        x.map((v) => v + 1000),
        c,
      ),
      run(x, c),
      { rtol: 1e-12, atol: 1e-15 },
      'shifted',
    );
  });

  // The attention backward runs softmaxBackward on causalSoftmax's output: masked entries (y = 0) get 0 there too.
  test.each(CASES.map((c) => [label(c), c] as const))(
    '%s: softmaxBackward on the output is its gradient (gradcheck)',
    (_, c) => {
      const x = random64(c.blocks * c.heads * c.queries * c.keys);
      const dy = random64(x.length);
      const y = run(x, c);
      const dx = new Float64Array(x.length);
      softmaxBackward({
        y: k64(y),
        dy: k64(dy),
        dx: k64(dx),
        rows: c.blocks * c.heads * c.queries,
        cols: c.keys,
      });
      gradcheck(() => weightedSum(run(x, c), dy), [{ name: 'dx', value: x, grad: dx }]);
    },
  );

  test.each([
    [{ queryStart: 2 }, /causalSoftmax: queryStart \+ queries expected at most keys = 4, got 2 \+ 3/],
    [{ keys: -1 }, /causalSoftmax: keys expected a non-negative integer, got -1/],
    [
      { out: new Float32Array(23) },
      /causalSoftmax: out \(blocks, H, queries, keys\) expected at least 24 elements, got 23/,
    ],
    [
      { keyMask: new Int32Array(8) },
      /causalSoftmax: keyMask and maskOffsets expected together, got only one/,
    ],
    [
      { maskOffsets: new Int32Array(2) },
      /causalSoftmax: keyMask and maskOffsets expected together, got only one/,
    ],
    [
      { keyMask: new Int32Array(8), maskOffsets: new Int32Array(1) },
      /causalSoftmax: maskOffsets \(blocks\) expected at least 2 elements, got 1/,
    ],
    [
      { keyMask: new Int32Array(7), maskOffsets: Int32Array.from([0, 4]) },
      /causalSoftmax: keyMask \(block 1 at 4\) expected at least 8 elements, got 7/,
    ],
  ])('rejects %o', (bad, message) => {
    const args = {
      x: new Float32Array(24),
      out: new Float32Array(24),
      blocks: 2,
      heads: 1,
      queries: 3,
      keys: 4,
      queryStart: 1,
      ...bad,
    };
    expect(() => causalSoftmax(args)).toThrow(KernelArgumentError);
    expect(() => causalSoftmax(args)).toThrow(message);
  });
});

import { gradcheck } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { type LmHeadArgs, lmHeadLogits, lmHeadLoss, lmHeadTileRows } from './lm-head.js';
import { makeParameter } from './parameter.js';
import { asF64, f64, host } from './test-support.test-support.js';

const [M, C, V] = [4, 5, 23];
const targets = Int32Array.from([3, -100, 22, 0]);

/** Σ −log softmax(h · Wᵀ)[target] with plain loops in float64. */
function directLoss(
  hidden: ArrayLike<number>,
  weight: ArrayLike<number>,
  softcap?: number,
): { loss: number; argmax: number[] } {
  let loss = 0;
  const argmax: number[] = [];
  for (let r = 0; r < M; r++) {
    const logits = Array.from({ length: V }, (_, v) => {
      let s = 0;
      for (let c = 0; c < C; c++) s += hidden[r * C + c]! * weight[v * C + c]!;
      return softcap === undefined ? s : softcap * Math.tanh(s / softcap);
    });
    const max = Math.max(...logits);
    const lse = max + Math.log(logits.reduce((a, l) => a + Math.exp(l - max), 0));
    argmax.push(logits.indexOf(max));
    if (targets[r]! >= 0) loss += lse - logits[targets[r]!]!;
  }
  return { loss, argmax };
}

/** lmHeadLoss with fresh float64 stats, its totals as numbers. */
function headLoss(args: Omit<LmHeadArgs, 'stats'>): {
  lossSum: number;
  tokens: number;
  correct: number;
  dhidden: Float32Array | undefined;
} {
  const stats = new Float64Array(3);
  const { dhidden } = lmHeadLoss({ ...args, stats });
  return { lossSum: stats[0]!, tokens: stats[1]!, correct: stats[2]!, dhidden: dhidden && host(dhidden) };
}

describe('lmHeadLoss (fused over tiles of rows)', () => {
  const hidden = f64(M * C, 1);
  const weight = makeParameter('lm_head.weight', [V, C], f64(V * C, 2), true);

  test.each([1, 7, 16, 23, 1000])('chunk %i gives the same loss as the full softmax', (chunk) => {
    const r = headLoss({
      hidden,
      rows: M,
      weight: [weight],
      vocab: V,
      dim: C,
      targets,
      chunk,
      backward: false,
      lossScale: 1,
    });
    const d = directLoss(hidden, host(weight.data));
    expectClose([r.lossSum], [d.loss], { rtol: 1e-12 }, 'lossSum');
    expect(r.tokens).toBe(3);
    expect(r.correct).toBe([0, 2, 3].filter((i) => d.argmax[i] === targets[i]).length);
  });

  test('d(lossScale · lossSum) w.r.t. hidden and the weight match finite differences; ignored rows get 0', () => {
    weight.trainable = true;
    weight.grad = undefined;
    const lossScale = 0.25;
    const r = headLoss({
      hidden,
      rows: M,
      weight: [weight],
      vocab: V,
      dim: C,
      targets,
      chunk: 7,
      backward: true,
      lossScale,
    });
    const loss = () =>
      lossScale *
      headLoss({
        hidden,
        rows: M,
        weight: [weight],
        vocab: V,
        dim: C,
        targets,
        chunk: 7,
        backward: false,
        lossScale,
      }).lossSum;
    gradcheck(
      loss,
      [
        { name: 'dhidden', value: asF64(hidden), grad: r.dhidden! },
        { name: 'dweight', value: asF64(weight.data), grad: host(weight.grad!) },
      ],
      { rtol: 1e-6, atol: 1e-9 },
    );
    expect(Array.from(r.dhidden!.subarray(C, 2 * C))).toEqual([0, 0, 0, 0, 0]);
  });

  test.each([1, 4, 7, 16, 46, 1000])(
    'chunk %i: the same dhidden and weight gradient as one tile of every row',
    (chunk) => {
      const run = (c: number) => {
        const w = makeParameter('lm_head.weight', [V, C], weight.data, true);
        w.trainable = true;
        const r = headLoss({
          hidden,
          rows: M,
          weight: [w],
          vocab: V,
          dim: C,
          targets,
          chunk: c,
          backward: true,
          lossScale: 0.5,
        });
        return { ...r, wgrad: host(w.grad!) };
      };
      const one = run(V);
      const tiled = run(chunk);
      expectClose([tiled.lossSum], [one.lossSum], { rtol: 1e-12 }, 'lossSum');
      expectClose(tiled.dhidden!, one.dhidden!, { rtol: 1e-12, atol: 1e-15 }, 'dhidden');
      expectClose(tiled.wgrad, one.wgrad, { rtol: 1e-12, atol: 1e-15 }, 'weight grad');
      expect([tiled.tokens, tiled.correct]).toEqual([one.tokens, one.correct]);
    },
  );

  test.each([
    { rows: 255, vocab: 32000, chunk: 8192, tile: 65 },
    { rows: 255, vocab: 32000, chunk: 32000, tile: 255 },
    { rows: 255, vocab: 32000, chunk: 100000, tile: 255 },
    { rows: 3, vocab: 32000, chunk: 8192, tile: 1 },
    { rows: 4, vocab: 23, chunk: 7, tile: 1 },
    { rows: 4, vocab: 23, chunk: 12, tile: 2 },
    { rows: 1, vocab: 5, chunk: 1, tile: 1 },
  ])(
    'lmHeadTileRows($rows, $vocab, $chunk) = $tile: rows × chunk logits in whole rows, at least one',
    (c) => {
      expect(lmHeadTileRows(c.rows, c.vocab, c.chunk)).toBe(c.tile);
    },
  );

  test('argmax hits count the first maximum, as torch.argmax', () => {
    const w = makeParameter('w', [3, 1], Float32Array.from([1, 1, 0]), false); // logits of h = [1] are [1, 1, 0]
    const hit = (t: number) =>
      headLoss({
        hidden: Float32Array.from([1]),
        rows: 1,
        weight: [w],
        vocab: 3,
        dim: 1,
        targets: Int32Array.from([t]),
        chunk: 1,
        backward: false,
        lossScale: 1,
      }).correct;
    expect([hit(0), hit(1), hit(2)]).toEqual([1, 0, 0]);
  });

  describe('with a final soft-cap (Gemma 2: the loss of cap · tanh(logits / cap))', () => {
    const softcap = 0.7; // below the logits' scale: tanh bends
    test.each([1, 7, 23])('chunk %i, forward alone and fused, gives the soft-capped loss', (chunk) => {
      const d = directLoss(hidden, host(weight.data), softcap);
      expect(Math.abs(d.loss - directLoss(hidden, host(weight.data)).loss)).toBeGreaterThan(0.1);
      for (const backward of [false, true]) {
        const w = makeParameter('lm_head.weight', [V, C], weight.data, true);
        const r = headLoss({
          hidden,
          rows: M,
          weight: [w],
          vocab: V,
          dim: C,
          targets,
          chunk,
          backward,
          lossScale: 1,
          softcap,
        });
        expectClose([r.lossSum], [d.loss], { rtol: 1e-12 }, `lossSum, backward ${backward}`);
        expect(r.correct).toBe([0, 2, 3].filter((i) => d.argmax[i] === targets[i]).length);
      }
    });

    test('d(lossScale · lossSum) w.r.t. hidden and the weight match finite differences through the cap', () => {
      const w = makeParameter('lm_head.weight', [V, C], weight.data, true);
      w.trainable = true;
      const args = {
        hidden,
        rows: M,
        weight: [w],
        vocab: V,
        dim: C,
        targets,
        chunk: 7,
        lossScale: 0.5,
        softcap,
      };
      const r = headLoss({ ...args, backward: true });
      gradcheck(
        () => 0.5 * headLoss({ ...args, backward: false }).lossSum,
        [
          { name: 'dhidden', value: asF64(hidden), grad: r.dhidden! },
          { name: 'dweight', value: asF64(w.data), grad: host(w.grad!) },
        ],
        { rtol: 1e-6, atol: 1e-9 },
      );
    });
  });

  test('lmHeadLogits is hidden · Wᵀ', () => {
    const logits = host(lmHeadLogits(hidden, M, [{ data: weight.data, rowStart: 0, rowCount: V }], V, C));
    let s = 0;
    for (let c = 0; c < C; c++) s += hidden[2 * C + c]! * host(weight.data)[5 * C + c]!;
    expect(logits[2 * V + 5]).toBeCloseTo(s, 12);
  });
});

test('lmHeadLoss adds into the stats it is given (micro-batches accumulate on the device)', () => {
  const hidden = f64(M * C, 3);
  const weight = makeParameter('lm_head.weight', [V, C], f64(V * C, 4), false);
  const args = { hidden, rows: M, weight: [weight], vocab: V, dim: C, targets, chunk: 7, lossScale: 1 };
  const once = new Float64Array(3);
  lmHeadLoss({ ...args, backward: false, stats: once });
  const twice = Float64Array.from([1, 2, 3]);
  lmHeadLoss({ ...args, backward: false, stats: twice });
  lmHeadLoss({ ...args, backward: true, stats: twice });
  expectClose(twice, [1 + 2 * once[0]!, 2 + 2 * once[1]!, 3 + 2 * once[2]!], { rtol: 1e-12 }, 'stats');
  expect(once[0]).toBeCloseTo(directLoss(hidden, host(weight.data)).loss, 10);
});

import { counterUniform, gradcheck, weightedSum } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { embedBackward, embedForward } from './embedding.js';
import type { TableBlock } from './row-blocks.js';
import { asF64, f64, host } from './test-support.test-support.js';

const [V, C, P] = [6, 4, 5];
const ids = Int32Array.from([2, 5, 2, 0]);
const positions = Int32Array.from([0, 1, 2, 0]);

/** A table of one block: the whole (rows, C) array. */
const whole = (data: Float32Array, rows: number): TableBlock[] => [{ data, rowStart: 0, rowCount: rows }];

/** The (rows, C) array as blocks of `per` rows, views of it. */
function blocks(data: Float32Array, rows: number, per: number): TableBlock[] {
  const out: TableBlock[] = [];
  for (let r = 0; r < rows; r += per) {
    const rowCount = Math.min(per, rows - r);
    out.push({ data: data.subarray(r * C, (r + rowCount) * C), rowStart: r, rowCount });
  }
  return out;
}

describe('embedding', () => {
  test.each([
    { label: 'token table', scale: undefined, withPositions: false },
    { label: 'Gemma √C scale', scale: Math.fround(Math.sqrt(C)), withPositions: false },
    { label: 'GPT-2 learned positions', scale: undefined, withPositions: true },
  ])(
    '$label: output and table gradients (repeated ids add up) match finite differences',
    ({ scale, withPositions }) => {
      const table = f64(V * C, 1);
      const positionTable = f64(P * C, 2);
      const pos = withPositions ? { positionTable: whole(positionTable, P), positions } : {};
      const out = embedForward({ ids, table: whole(table, V), tokens: 4, dim: C, scale, ...pos });
      expect(host(out)[C * 2 + 1]).toBeCloseTo(
        table[2 * C + 1]! * (scale ?? 1) + (withPositions ? positionTable[2 * C + 1]! : 0),
        12,
      );
      const wts = f64(4 * C, 3);
      const tableGrad = new Float64Array(V * C) as unknown as Float32Array;
      const positionGrad = new Float64Array(P * C) as unknown as Float32Array;
      embedBackward({
        dout: wts,
        ids,
        tokens: 4,
        dim: C,
        scale,
        tableGrad: whole(tableGrad, V),
        positions,
        positionGrad: withPositions ? whole(positionGrad, P) : undefined,
      });
      const loss = () =>
        weightedSum(
          host(embedForward({ ids, table: whole(table, V), tokens: 4, dim: C, scale, ...pos })),
          wts,
        );
      const inputs = [{ name: 'dtable', value: asF64(table), grad: tableGrad }];
      if (withPositions) inputs.push({ name: 'dpositions', value: asF64(positionTable), grad: positionGrad });
      gradcheck(loss, inputs, { rtol: 1e-6, atol: 1e-9 });
    },
  );

  test("NEFTune adds the seed's counter-stream noise U(−m, m), m = alpha / √(T·C), before the scale", () => {
    const table = new Float32Array(V * C);
    const alpha = 5;
    const seqLen = 2;
    const seed = 0x9e3779b9;
    const forward = (s: number) =>
      host(
        embedForward({
          ids,
          table: whole(table, V),
          tokens: 4,
          dim: C,
          scale: 2,
          neftune: { alpha, seqLen, seed: s },
        }),
      ).slice();
    const out = forward(seed);
    const magnitude = alpha / Math.sqrt(seqLen * C);
    // element i of the stream: (2u − 1) · m in float32, then the scale 2
    const expected = Array.from(
      { length: 4 * C },
      (_, i) => 2 * Math.fround((2 * counterUniform(seed, i) - 1) * Math.fround(magnitude)),
    );
    expect(Array.from(out)).toEqual(expected);
    const bound = 2 * magnitude;
    expect(Math.max(...Array.from(out, Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(out, Math.abs))).toBeGreaterThan(bound / 2);
    expect(Array.from(forward(seed))).toEqual(Array.from(out));
    expect(Array.from(forward(seed + 1))).not.toEqual(Array.from(out));
  });

  test.each([1, 2, 4])(
    'a table split into blocks of %i rows gathers and scatter-adds what the whole table does, bit for bit',
    (per) => {
      const table = Float32Array.from(f64(V * C, 5));
      const positionTable = Float32Array.from(f64(P * C, 6));
      const dout = Float32Array.from(f64(4 * C, 7));
      const run = (split: boolean) => {
        const t = (data: Float32Array, rows: number) => (split ? blocks(data, rows, per) : whole(data, rows));
        const out = host(
          embedForward({
            ids,
            table: t(table, V),
            tokens: 4,
            dim: C,
            positionTable: t(positionTable, P),
            positions,
          }),
        ).slice();
        const [dtable, dpos] = [new Float32Array(V * C), new Float32Array(P * C)];
        embedBackward({
          dout,
          ids,
          tokens: 4,
          dim: C,
          tableGrad: t(dtable, V),
          positions,
          positionGrad: t(dpos, P),
        });
        return [out, dtable, dpos].map((a) => Array.from(a));
      };
      expect(run(true)).toEqual(run(false));
    },
  );
});

import { counterUniform, gradcheck, weightedSum } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { embedBackward, embedForward } from './embedding.js';
import { asF64, f64, host } from './test-support.test-support.js';

const [V, C, P] = [6, 4, 5];
const ids = Int32Array.from([2, 5, 2, 0]);
const positions = Int32Array.from([0, 1, 2, 0]);

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
      const pos = withPositions ? { positionTable, positions } : {};
      const out = embedForward({ ids, table, tokens: 4, dim: C, scale, ...pos });
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
        tableGrad,
        positions,
        positionGrad: withPositions ? positionGrad : undefined,
      });
      const loss = () =>
        weightedSum(host(embedForward({ ids, table, tokens: 4, dim: C, scale, ...pos })), wts);
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
        embedForward({ ids, table, tokens: 4, dim: C, scale: 2, neftune: { alpha, seqLen, seed: s } }),
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
});

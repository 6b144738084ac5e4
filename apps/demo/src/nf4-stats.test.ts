import { FP4_CODE, NF4_CODE, bitsPerParameter } from '@lora/quant-nf4';
import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { gaussianMatrix, nf4Stats } from './nf4-stats.js';

describe('nf4Stats', () => {
  test.each([
    ['nf4', NF4_CODE],
    ['fp4', FP4_CODE],
  ] as const)(
    '%s: values on the code points (absmax 2) come back exactly, each code counted',
    (quantType, code) => {
      const rng = makeRng(3);
      const blocks = 8;
      const values = new Float32Array(blocks * 64);
      const used = new Array<number>(16).fill(0);
      for (let b = 0; b < blocks; b++) {
        for (let i = 0; i < 64; i++) {
          // code index 15 (value 1 for nf4, the largest for fp4) first so every block's absmax is exactly 2
          const k = i === 0 ? (quantType === 'nf4' ? 15 : 3) : rng.int(16);
          values[b * 64 + i] = 2 * code[k]!;
          used[k]! += 1;
        }
      }
      const stats = nf4Stats(values, blocks, 64, { quantType, doubleQuant: false });
      expect(stats.maxAbsError).toBe(0);
      expect(stats.rmse).toBe(0);
      // fp4 has +0 and -0 codes: a zero may land on either, so compare their sum
      if (quantType === 'fp4') {
        expect(stats.codeHistogram[0]! + stats.codeHistogram[8]!).toBe(used[0]! + used[8]!);
        expect(stats.codeHistogram.filter((_, i) => i !== 0 && i !== 8)).toEqual(
          used.filter((_, i) => i !== 0 && i !== 8),
        );
      } else {
        expect(stats.codeHistogram).toEqual(used);
      }
    },
  );

  test('storage: 4 bits per code plus the documented statistics (bitsandbytes double quant at blocksize 64)', () => {
    const rows = 256;
    const cols = 256;
    const stats = nf4Stats(gaussianMatrix(rows, cols, 1), rows, cols);
    const n = rows * cols;
    // bitsPerParameter ignores the tables: the 16-entry code, the 256-entry nested map and the offset (f32 each)
    const tables = ((16 + 256 + 1) * 4 * 8) / n;
    expectClose(
      [stats.bitsPerParameter],
      [bitsPerParameter(64, true) + tables],
      { rtol: 1e-12, atol: 0 },
      'bits/param',
    );
    expect(stats.denseBytes).toBe(n * 4);
    expect(stats.denseBytes / stats.quantizedBytes).toBeGreaterThan(7.5);
    expect(stats.codeHistogram.reduce((a, b) => a + b, 0)).toBe(n);
  });

  test('on Gaussian weights NF4 (normal quantiles) reconstructs better than FP4, and uses every code', () => {
    const values = gaussianMatrix(128, 256, 5, 0.05);
    const nf4 = nf4Stats(values, 128, 256, { quantType: 'nf4' });
    const fp4 = nf4Stats(values, 128, 256, { quantType: 'fp4' });
    expect(nf4.relativeRmse).toBeLessThan(fp4.relativeRmse);
    expect(Math.min(...nf4.codeHistogram)).toBeGreaterThan(0);
    // an error can never exceed half the widest gap between codes (0.3038 of a block's absmax) plus rounding
    const absmax = Math.max(...values.map(Math.abs));
    expect(nf4.maxAbsError).toBeLessThan(0.16 * absmax);
  });

  test('gaussianMatrix is seeded: same seed, same values; mean ~0 and std ~ the asked one', () => {
    const a = gaussianMatrix(64, 64, 9, 0.5);
    expect(gaussianMatrix(64, 64, 9, 0.5)).toEqual(a);
    expect(gaussianMatrix(64, 64, 10, 0.5)).not.toEqual(a);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(std).toBeGreaterThan(0.48);
    expect(std).toBeLessThan(0.52);
  });
});

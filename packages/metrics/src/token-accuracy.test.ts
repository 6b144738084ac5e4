import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { MetricsError } from './errors.js';
import { tokenAccuracy, tokenMatches } from './token-accuracy.js';

interface LmFixture {
  batches: Array<{ predictedIds: number[]; labels: number[]; tokenCount: number }>;
  overall: { correct: number; total: number; accuracy: number };
}
const lmFixture = JSON.parse(
  readFileSync(new URL('../fixtures/lm-metrics.json', import.meta.url), 'utf8'),
) as LmFixture;

describe('tokenAccuracy', () => {
  test('matches PyTorch argmax accuracy over the non-ignored labels (fixtures/gen_lm_metrics.py)', () => {
    let correct = 0;
    let total = 0;
    for (const b of lmFixture.batches) {
      const m = tokenMatches(b.predictedIds, b.labels);
      correct += m.correct;
      total += m.total;
      expect(m.total).toBe(b.tokenCount);
    }
    expect({ correct, total }).toEqual({
      correct: lmFixture.overall.correct,
      total: lmFixture.overall.total,
    });
    const pred = lmFixture.batches.flatMap((b) => b.predictedIds);
    const labels = lmFixture.batches.flatMap((b) => b.labels);
    expect(tokenAccuracy(Int32Array.from(pred), Int32Array.from(labels))).toBe(lmFixture.overall.accuracy);
  });

  test.each([
    [[1, 2, 3, 4], [1, 2, 0, 4], {}, 3, 4],
    [[1, 2, 3, 4], [-100, 2, -100, 5], {}, 1, 2],
    [[1, 2, 3, 4], [0, 2, 0, 4], { ignoreIndex: 0 }, 2, 2], // pad id as the ignore index
    [[7, 7], [-100, -100], {}, 0, 0], // fully masked: counts are fine
    [[], [], {}, 0, 0],
  ])('tokenMatches(%j, %j, %j) = %d / %d', (pred, labels, options, correct, total) => {
    expect(tokenMatches(pred, labels, options)).toEqual({ correct, total });
  });

  test('a prediction at an ignored position never counts, even when equal to -100', () => {
    expect(tokenMatches([-100, 5], [-100, 5])).toEqual({ correct: 1, total: 1 });
  });

  test('zero counted tokens: tokenAccuracy throws MetricsError (same rule as PerplexityMeter)', () => {
    expect(() => tokenAccuracy([1, 2], [-100, -100])).toThrow(MetricsError);
    expect(() => tokenAccuracy([1, 2], [-100, -100])).toThrow(
      /expected at least one label other than ignoreIndex -100, got 0 of 2/,
    );
  });

  test('length mismatch names both lengths', () => {
    expect(() => tokenMatches([1, 2, 3], [1, 2])).toThrow(
      'predictedIds and labelIds must have the same length: expected labelIds.length 3 (= predictedIds.length), got 2',
    );
  });

  test('non-integer ids are rejected with their position', () => {
    expect(() => tokenMatches([1, 2.5], [1, 2])).toThrow('predictedIds[1]: expected an integer id, got 2.5');
    expect(() => tokenMatches([1, 2], [1, Number.NaN])).toThrow(
      'labelIds[1]: expected an integer id, got NaN',
    );
  });
});

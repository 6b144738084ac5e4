import { readFileSync } from 'node:fs';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { MetricsError } from './errors.js';
import { PerplexityMeter } from './perplexity.js';

interface LmFixture {
  batches: Array<{
    predictedIds: number[];
    labels: number[];
    nllSum: number;
    tokenCount: number;
    meanLoss: number | null;
  }>;
  overall: { meanLoss: number; perplexity: number; correct: number; total: number; accuracy: number };
}
const lmFixture = JSON.parse(
  readFileSync(new URL('../fixtures/lm-metrics.json', import.meta.url), 'utf8'),
) as LmFixture;

describe('PerplexityMeter', () => {
  test('per-batch NLL sums reproduce PyTorch cross-entropy over the whole eval set (fixtures/gen_lm_metrics.py)', () => {
    const meter = new PerplexityMeter();
    for (const b of lmFixture.batches) meter.add(b.nllSum, b.tokenCount);
    expect(meter.tokenCount).toBe(lmFixture.overall.total);
    expect(meter.batchCount).toBe(3);
    expectClose(
      [meter.meanLoss, meter.perplexity],
      [lmFixture.overall.meanLoss, lmFixture.overall.perplexity],
      { rtol: 1e-12, atol: 0 },
      'loss, ppl',
    );
  });

  test('per-batch mean losses weighted by token count give the same answer', () => {
    const meter = new PerplexityMeter();
    for (const b of lmFixture.batches) meter.addMean(b.meanLoss ?? 0, b.tokenCount);
    expectClose([meter.perplexity], [lmFixture.overall.perplexity], { rtol: 1e-12, atol: 0 }, 'ppl');
  });

  test.each([
    // [batches of (nllSum, tokens), mean loss, perplexity] — hand-derived
    [[[Math.LN2 * 4, 4]], Math.LN2, 2], // every token has p = 1/2
    [
      [
        [Math.log(50257) * 3, 3],
        [Math.log(50257) * 5, 5],
      ],
      Math.log(50257),
      50257,
    ], // uniform over GPT-2's vocab
    [
      [
        [1, 1],
        [9, 3],
      ],
      2.5,
      Math.exp(2.5),
    ], // token-weighted: (1 + 9) / 4, not the mean of batch means (2)
    [
      [
        [0, 0],
        [3, 2],
      ],
      1.5,
      Math.exp(1.5),
    ], // a fully masked batch changes nothing
    [[[0, 10]], 0, 1], // a perfect model
  ])('batches %j -> mean loss %d', (batches, mean, ppl) => {
    const meter = new PerplexityMeter();
    for (const [nll, n] of batches as Array<[number, number]>) meter.add(nll, n);
    expectClose([meter.meanLoss, meter.perplexity], [mean, ppl], { rtol: 1e-12, atol: 1e-15 }, 'loss, ppl');
  });

  test('stays accurate over many tiny batches (compensated sum)', () => {
    const meter = new PerplexityMeter();
    for (let i = 0; i < 100_000; i++) meter.add(0.1, 1);
    expect(meter.nllSum).toBe(10_000);
    expect(meter.meanLoss).toBe(0.1);
  });

  test('zero tokens: meanLoss and perplexity throw MetricsError (documented rule), counts do not', () => {
    const meter = new PerplexityMeter();
    expect(() => meter.perplexity).toThrow(MetricsError);
    meter.add(0, 0);
    expect(meter.tokenCount).toBe(0);
    expect(() => meter.meanLoss).toThrow(/expected at least one counted token, got 0 tokens in 1 batches/);
  });

  test('reset forgets everything', () => {
    const meter = new PerplexityMeter().add(3, 2);
    meter.reset();
    expect(meter.tokenCount).toBe(0);
    expect(() => meter.perplexity).toThrow(MetricsError);
    expect(meter.add(2, 2).perplexity).toBeCloseTo(Math.E, 12);
  });

  test('huge mean loss overflows to Infinity perplexity, not an error', () => {
    expect(new PerplexityMeter().add(800, 1).perplexity).toBe(Number.POSITIVE_INFINITY);
  });

  test.each([
    [Number.NaN, 3, /nllSum: expected a finite NLL sum >= 0 \(nats\), got NaN for 3 tokens/],
    [Number.POSITIVE_INFINITY, 3, /got Infinity/],
    [-1, 3, /got -1/],
    [1, -1, /tokenCount: expected a non-negative integer, got -1/],
    [1, 2.5, /got 2.5/],
    [1, 0, /expected nllSum 0 for a batch of 0 tokens, got 1/],
  ])('add(%d, %d) is rejected', (nll, n, message) => {
    expect(() => new PerplexityMeter().add(nll, n)).toThrow(message);
  });
});

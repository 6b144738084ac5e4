import { expectClose, hostF32 } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { epochOrder, microBatch } from './batches.js';
import { ToyLM } from './toy-model.js';
import { Trainer } from './trainer.js';
import { readMetrics, tempStorage, toyExamples } from './trainer.test-support.js';

const VOCAB = 13;
const examples = toyExamples(24, VOCAB, 11);

async function run(batchSize: number, gradientAccumulationSteps: number) {
  const model = new ToyLM({ vocabSize: VOCAB, hiddenSize: 8, vocabChunk: 5, seed: 3 });
  const storage = await tempStorage('accum');
  await new Trainer({
    model,
    trainDataset: examples,
    storage,
    config: {
      padTokenId: 0,
      learningRate: 0.02,
      batchSize,
      gradientAccumulationSteps,
      maxSteps: 6,
      weightDecay: 0.01,
      warmupSteps: 1,
      loggingSteps: 1,
      saveSteps: 0,
      seed: 5,
    },
  }).train();
  const losses = (await readMetrics(storage)).filter((e) => 'loss' in e).map((e) => e.loss!);
  return { params: model.parameters(), losses };
}

describe('gradient accumulation', () => {
  test('the micro-batches of a step hold different numbers of label tokens (so a mean of means would differ)', () => {
    const order = epochOrder(examples.length, 5, 0, true);
    const counts = [0, 1, 2, 3].map(
      (b) => microBatch(examples, order, b, 1, { padTokenId: 0, paddingSide: 'right' }).labelTokens,
    );
    expect(new Set(counts).size).toBeGreaterThan(1);
  });

  test('batch 4 × 1 == batch 2 × 2 == batch 1 × 4: losses and parameters within 1e-6 after 6 steps', async () => {
    const big = await run(4, 1);
    for (const [bs, gas] of [
      [2, 2],
      [1, 4],
    ] as const) {
      const acc = await run(bs, gas);
      expectClose(acc.losses, big.losses, { rtol: 1e-6, atol: 0 }, `losses ${bs}×${gas}`);
      acc.params.forEach((p, i) => {
        expectClose(
          hostF32(p.data),
          hostF32(big.params[i]!.data),
          { rtol: 0, atol: 1e-6 },
          `${p.name} ${bs}×${gas}`,
        );
      });
    }
    expect(big.losses).toHaveLength(6);
  });
});

// The seeded short run behind fixtures/expected-losses.json (llm.c's expected_losses): dropout, NEFTune noise,
// shuffle, accumulation, warmup + cosine, clipping and evaluation all on, so any change to their semantics shows.

import type { RunStorage } from './run-storage.js';
import { toyExamples } from './toy-data.test-support.js';
import { ToyLM } from './toy-model.js';
import { Trainer } from './trainer.js';

export interface ExpectedRun {
  losses: number[];
  gradNorms: number[];
  learningRates: number[];
  evalLosses: number[];
}

export async function expectedRun(storage: RunStorage): Promise<ExpectedRun> {
  const model = new ToyLM({ vocabSize: 17, hiddenSize: 12, dropout: 0.1, vocabChunk: 6, seed: 2024 });
  const run: ExpectedRun = { losses: [], gradNorms: [], learningRates: [], evalLosses: [] };
  await new Trainer({
    model,
    trainDataset: toyExamples(30, 17, 100),
    evalDataset: toyExamples(6, 17, 101),
    storage,
    config: {
      padTokenId: 0,
      learningRate: 0.01,
      batchSize: 3,
      gradientAccumulationSteps: 2,
      epochs: 2,
      lrSchedulerType: 'cosine',
      warmupRatio: 0.1,
      weightDecay: 0.01,
      maxGradNorm: 1,
      neftuneNoiseAlpha: 5,
      seed: 7,
      loggingSteps: 1,
      evalSteps: 5,
      saveSteps: 0,
    },
    onLog: (e) => {
      if (typeof e.loss === 'number') {
        run.losses.push(e.loss);
        run.gradNorms.push(e.grad_norm as number);
        run.learningRates.push(e.lr as number);
      }
      if (typeof e.eval_loss === 'number') run.evalLosses.push(e.eval_loss);
    },
  }).train();
  return run;
}

// Seeded toy data for the trainer tests, free of test-runner imports so the crash test's child process can load it.
import type { TrainingConfig } from './config.js';
import type { TrainExample } from './model.js';
import { createRng } from './rng.js';

/**
 * `count` sequences over a vocab of `vocab` ids (1..vocab-1; 0 is the pad) that follow a learnable rule
 * (next = 3·prev + 1 mod vocab-1, with a random start), lengths 4..10, the first 1..2 tokens masked as a prompt.
 */
export function toyExamples(count: number, vocab: number, seed: number): TrainExample[] {
  const rng = createRng(seed);
  const int = (n: number) => Math.floor(rng.next() * n);
  return Array.from({ length: count }, () => {
    const n = 4 + int(7);
    const ids = [1 + int(vocab - 1)];
    while (ids.length < n) ids.push(1 + ((3 * ids[ids.length - 1]! + 1) % (vocab - 1)));
    const prompt = 1 + int(2);
    return { inputIds: ids, labels: ids.map((id, t) => (t < prompt ? -100 : id)) };
  });
}

/** Arguments of the save/crash tests' runs: 8 steps, a checkpoint every step, dropout and shuffle on. */
export function checkpointRunConfig(extra: Partial<TrainingConfig> = {}): TrainingConfig {
  return {
    padTokenId: 0,
    learningRate: 0.03,
    batchSize: 2,
    gradientAccumulationSteps: 1,
    maxSteps: 8,
    loggingSteps: 1,
    saveSteps: 1,
    ...extra,
  };
}

export const checkpointRunData = { vocab: 11, train: toyExamples(12, 11, 31), eval: toyExamples(4, 11, 32) };

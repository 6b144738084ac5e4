// The trainer's seeded, serializable generator for dropout and NEFTune noise: @lora/core's createPrng, with
// seed and saved-state checks that name the trainer's configuration keys.
import { createPrng } from '@lora/core';
import { TrainerConfigError } from './errors.js';

const TWO_32 = 4294967296;

/** Uniform [0, 1) draws whose position can be saved (`state`) and restored (`createRng(seed, state)`). */
export interface TrainingRng {
  /** uniform in [0, 1) with 32 random bits */
  next(): number;
  /** the four state words; `createRng(anySeed, rng.state())` continues exactly where this one is */
  state(): [number, number, number, number];
}

function isStateWords(value: unknown): value is [number, number, number, number] {
  return (
    Array.isArray(value) &&
    value.length === 4 &&
    value.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32) &&
    value.some((w) => w !== 0)
  );
}

/**
 * A generator seeded from `seed` (an integer in [0, 2^32)), or resumed from `state` when given.
 * Throws TrainerConfigError for a bad seed or state.
 */
export function createRng(seed: number, state?: readonly number[]): TrainingRng {
  if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_32) {
    throw new TrainerConfigError('seed', `seed: expected an integer in [0, 2^32), got ${seed}`);
  }
  if (state !== undefined && !isStateWords(state)) {
    throw new TrainerConfigError(
      'rng state',
      `rng state: expected four uint32 words, not all zero, got ${JSON.stringify(state)}`,
    );
  }
  // core's generator (the same xoshiro128** seeded through splitmix32); the checks above name the trainer's keys
  return createPrng(seed, state);
}

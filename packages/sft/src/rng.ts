// A seeded, serializable uniform generator for dropout and NEFTune noise: xoshiro128** (Blackman & Vigna 2018)
// seeded through splitmix32, 32-bit integer ops only, so a checkpoint can store and restore its exact position.
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
  let s0: number;
  let s1: number;
  let s2: number;
  let s3: number;
  if (state !== undefined) {
    if (!isStateWords(state)) {
      throw new TrainerConfigError(
        'rng state',
        `rng state: expected four uint32 words, not all zero, got ${JSON.stringify(state)}`,
      );
    }
    [s0, s1, s2, s3] = state;
  } else {
    let sm = seed >>> 0;
    const splitmix32 = (): number => {
      sm = (sm + 0x9e3779b9) >>> 0;
      let z = sm;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    s0 = splitmix32();
    s1 = splitmix32();
    s2 = splitmix32();
    s3 = splitmix32();
  }
  const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
  return {
    next: () => nextUint32() / TWO_32,
    state: () => [s0, s1, s2, s3],
  };
}

// Seeded PRNG: xoshiro128** (Blackman & Vigna 2018) seeded through splitmix32; 32-bit integer ops only, so
// every platform draws the same sequence.

import { DatasetError } from './errors.js';

export interface Prng {
  /** next uniform 32-bit unsigned integer */
  nextUint32(): number;
  /** unbiased integer in [0, n) for 1 <= n <= 2^32 (rejection sampling) */
  int(n: number): number;
}

const TWO_32 = 4294967296;

function checkSeed(seed: number, label: string): number {
  if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_32) {
    throw new DatasetError(`${label}: expected an integer seed in [0, 2^32), got ${String(seed)}`, {
      key: 'seed',
    });
  }
  return seed >>> 0;
}

/** A xoshiro128** generator whose four state words come from splitmix32(seed). */
export function createPrng(seed: number): Prng {
  let sm = checkSeed(seed, 'createPrng');
  const splitmix32 = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix32();
  let s1 = splitmix32();
  let s2 = splitmix32();
  let s3 = splitmix32();
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

  const int = (n: number): number => {
    // accept only draws below the largest multiple of n, so every residue is equally likely
    const limit = TWO_32 - (TWO_32 % n);
    let x = nextUint32();
    while (x >= limit) x = nextUint32();
    return x % n;
  };
  return { nextUint32, int };
}

/**
 * A permutation of 0..n-1 (Fisher–Yates, from the end) that depends only on `n` and `seed`.
 * The trainer reuses it for epoch order: `shuffledIndices(n, seed + epoch)`.
 */
export function shuffledIndices(n: number, seed: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n >= TWO_32) {
    throw new DatasetError(`shuffledIndices: expected a count n in [0, 2^32), got ${String(n)}`, {
      key: 'n',
    });
  }
  const rng = createPrng(checkSeed(seed, 'shuffledIndices'));
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

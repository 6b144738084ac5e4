// The one seeded generator of @lora: xoshiro128** (Blackman & Vigna 2018) seeded through splitmix32, 32-bit
// integer ops only, so every platform draws the same sequence; its state can be saved and restored (checkpoints).

const TWO_32 = 4294967296;

/** The four 32-bit words of a xoshiro128** generator: its whole state, to save and restore. */
export type PrngState = [number, number, number, number];

/** A seeded xoshiro128** generator (`createPrng`): the same stream on every platform. */
export interface Prng {
  /** next uniform 32-bit unsigned integer */
  nextUint32(): number;
  /** uniform in [0, 1) with 32 random bits */
  next(): number;
  /** unbiased integer in [0, n) for 1 <= n <= 2^32 (rejection sampling) */
  int(n: number): number;
  /** the four state words; `createPrng(anySeed, prng.state())` continues exactly where this one is */
  state(): PrngState;
}

function checkSeed(seed: number, label: string): number {
  if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_32) {
    throw new RangeError(`${label}: expected an integer seed in [0, 2^32), got ${String(seed)}`);
  }
  return seed >>> 0;
}

function isStateWords(value: readonly number[]): value is PrngState {
  return (
    value.length === 4 &&
    value.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32) &&
    value.some((w) => w !== 0)
  );
}

function splitmix32Words(seed: number): PrngState {
  let sm = seed;
  const next = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  return [next(), next(), next(), next()];
}

/** A generator seeded from `seed` (an integer in [0, 2^32)), or resumed from a saved `state`. Throws RangeError. */
export function createPrng(seed: number, state?: readonly number[]): Prng {
  checkSeed(seed, 'createPrng');
  if (state !== undefined && !isStateWords(state)) {
    throw new RangeError(
      `createPrng: expected a state of four uint32 words, not all zero, got ${JSON.stringify(state)}`,
    );
  }
  let [s0, s1, s2, s3] = state ?? splitmix32Words(seed >>> 0);
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
  return { nextUint32, next: () => nextUint32() / TWO_32, int, state: () => [s0, s1, s2, s3] };
}

/** murmur3's 32-bit finaliser: spreads bits before they seed a stream. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The seed of independent stream `stream` of `seed` (any safe integer ≥ 0): per-row sampling streams, per-layer
 * dropout streams. The same pair always gives the same seed.
 */
export function streamSeed(seed: number, stream: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_32) >>> 0;
  return mix32(lo ^ mix32(hi ^ mix32((stream + 0x9e3779b9) >>> 0)));
}

/** Uniform [0, 1) draws of stream `stream` of `seed`. */
export function uniformStream(seed: number, stream = 0): () => number {
  const prng = createPrng(streamSeed(seed, stream));
  return prng.next;
}

/**
 * A permutation of 0..n-1 (Fisher–Yates, from the end) that depends only on `n` and `seed`.
 * The trainer uses it for epoch order: `shuffledIndices(n, seed + epoch)`.
 */
export function shuffledIndices(n: number, seed: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n >= TWO_32) {
    throw new RangeError(`shuffledIndices: expected a count n in [0, 2^32), got ${String(n)}`);
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

// Drawing the next token: a seeded PRNG per (seed, row) and inverse-CDF sampling from softmax(scores)
// (the role torch.multinomial(probs, 1) plays in transformers' _sample; the random streams differ from torch's).
import { softmax64 } from './logits-processors.js';

/** 32-bit finaliser (murmur3 fmix32): spreads seed bits before they seed a stream. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A uniform [0, 1) generator (mulberry32) for stream `stream` of `seed` (a safe integer ≥ 0): the same pair always
 * gives the same numbers, and different rows of a batch get independent streams.
 */
export function createRng(seed: number, stream = 0): () => number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  let s = mix32(lo ^ mix32(hi ^ mix32(stream + 0x9e3779b9)));
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh random seed, for sampling without an explicit one. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/**
 * The token whose cumulative probability first exceeds `u` (uniform in [0, 1)) under softmax(scores); −∞ scores are
 * never drawn. Float round-off past the last bin falls back to the last token with probability > 0.
 */
export function sampleIndex(scores: ArrayLike<number>, u: number): number {
  const probs = softmax64(scores);
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p === 0) continue;
    cumulative += p;
    last = i;
    if (u < cumulative) return i;
  }
  return last;
}

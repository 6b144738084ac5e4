// Drawing the next token: a seeded PRNG per (seed, row) and inverse-CDF sampling from softmax(scores)
// (the role torch.multinomial(probs, 1) plays in transformers' _sample; the random streams differ from torch's).
import { softmax64 } from './logits-processors.js';

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

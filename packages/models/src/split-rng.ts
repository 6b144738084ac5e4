// Independent per-layer random streams (mulberry32) split off the caller's rng, so a layer recomputed under gradient
// checkpointing draws the same dropout masks it drew in its first forward (torch.utils.checkpoint restores RNG state).

/** A uniform [0, 1) generator seeded with a 32-bit integer. */
export function splitRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

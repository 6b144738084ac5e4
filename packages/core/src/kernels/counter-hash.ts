// A stateless, counter-based random stream (the idea of Philox / JAX's PRNG, with a cheaper mixer): the value for
// element i of a stream depends only on (seed, i), so every backend — a JS loop, a wasm loop, a GPU thread — draws
// the same numbers in any order. Integer arithmetic only; WGSL computes it with u32 ops.

/** lowbias32 (Chris Wellons' hash-prospector): a 32-bit integer hash with near-ideal avalanche. */
export function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** The 32-bit value of element `index` of stream `seed`: lowbias32(lowbias32(seed) xor index). */
export function counterHash(seed: number, index: number): number {
  return lowbias32((lowbias32(seed >>> 0) ^ index) >>> 0);
}

/** The dropout threshold: element i is kept when counterHash(seed, i) ≥ ⌊p · 2³²⌋ (so p = 0 keeps everything). */
export function dropThreshold(p: number): number {
  return Math.min(0xffffffff, Math.floor(p * 2 ** 32));
}

/** A uniform value in [0, 1) with 24 random bits, exact in float32: (counterHash >>> 8) / 2²⁴. */
export function counterUniform(seed: number, index: number): number {
  return (counterHash(seed, index) >>> 8) / 2 ** 24;
}

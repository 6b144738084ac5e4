// Seeded float32 inputs for the kernel cases: the same case always builds the same buffers, on every platform
// (@lora/core's one generator, xoshiro128**, seeded from the case's name).
import { createPrng } from '../../random.js';

/** What a case's builder draws from. */
export interface Rng {
  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number;
  /** standard normal (Box–Muller) */
  normal(): number;
  /** integer in [0, n) */
  int(n: number): number;
}

/** A seed from a case's name (FNV-1a), so adding a case never changes the data of another. */
export function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The generator of the case named `name`. */
export function rngFor(name: string): Rng {
  const prng = createPrng(seedOf(name));
  return {
    uniform: (lo, hi) => lo + (hi - lo) * prng.next(),
    normal: () => {
      const u = Math.max(prng.next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * prng.next());
    },
    int: (n) => prng.int(n),
  };
}

export function uniform(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

export function normal(rng: Rng, n: number, scale = 1, shift = 0): Float32Array {
  return Float32Array.from({ length: n }, () => shift + scale * rng.normal());
}

export function ints(rng: Rng, n: number, below: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(below));
}

/** An output buffer full of NaN: a kernel that reads what it should overwrite shows up as NaN. */
export function poisoned(n: number): Float32Array {
  return new Float32Array(n).fill(Number.NaN);
}

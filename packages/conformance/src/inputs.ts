// Seeded float32 inputs for the conformance cases: the same case always builds the same buffers.
import { makeRng } from '@lora/testing';

export type Rng = ReturnType<typeof makeRng>;

/** A seed from a case's name, so adding a case never changes the data of another. */
export function seedOf(name: string): number {
  let h = 2166136261; // FNV-1a
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function rngFor(name: string): Rng {
  return makeRng(seedOf(name));
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

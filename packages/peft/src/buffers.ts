// Buffer helpers shared by the LoRA layers. New arrays take the element type of an input, so the layers run
// unchanged on Float64Array data (the reference kernels do) and gradient checks see float64 end to end.
import type { Parameter } from '@lora/core';
import type { Uniform } from './init.js';

/** A zeroed array of `n` elements of the same type as `like` (Float32Array, or Float64Array in gradient checks). */
export function alloc(like: Float32Array, n: number): Float32Array {
  return new (like.constructor as Float32ArrayConstructor)(n);
}

/** The gradient buffer of a trainable parameter, allocated (zeroed) on first use. */
export function gradOf(p: Parameter): Float32Array {
  p.grad ??= alloc(p.data, p.data.length);
  return p.grad;
}

/** torch.nn.Dropout's keep mask: each element kept with probability 1 − p (1 = kept). */
export function dropoutMask(n: number, p: number, rng: Uniform): Uint8Array {
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) keep[i] = rng() >= p ? 1 : 0;
  return keep;
}

/** out = x ⊙ keep · scale (scale = 1 / (1 − p)), written into `out` (may alias x). */
export function applyMask(
  x: Float32Array,
  keep: Uint8Array,
  scale: number,
  out: Float32Array = alloc(x, keep.length),
): Float32Array {
  for (let i = 0; i < keep.length; i++) out[i] = keep[i] ? x[i]! * scale : 0;
  return out;
}

/** y += x, elementwise over the first `n` elements. */
export function addInto(y: Float32Array, x: Float32Array, n = y.length): void {
  for (let i = 0; i < n; i++) y[i]! += x[i]!;
}

/** The largest |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

// Small array operations layers compose, each one kernel of the active backend (new arrays come from core's
// allocLike: the same memory as an input, and Float64Array in float64 gradient checks).
import { allocLike, type F32, kernel } from '@lora/core';

/** y += x over the first `n` elements. */
export function addInto(y: F32, x: F32, n = y.length): void {
  kernel('add')({ a: y, b: x, out: y, n });
}

/** dst[0 … n) = src[0 … n). */
export function copyInto(dst: F32, src: F32, n = src.length): void {
  kernel('stridedCopy')({ src, dst, counts: [1, 1, 1], inner: n, srcStrides: [0, 0, 0], dstStrides: [0, 0, 0] });
}

/** A copy of `a` in the same memory. */
export function copyOf(a: F32): F32 {
  const copy = allocLike(a, a.length);
  copyInto(copy, a);
  return copy;
}

/** (A, B, C, D) → (A, C, B, D): swaps the two middle dims, e.g. (B, T, H, D) ↔ (B, H, T, D). */
export function swapMiddle(src: F32, a: number, b: number, c: number, d: number, dst = allocLike(src, a * b * c * d)): F32 {
  kernel('stridedCopy')({
    src,
    dst,
    counts: [a, b, c],
    inner: d,
    srcStrides: [b * c * d, c * d, d],
    dstStrides: [c * b * d, d, b * d],
  });
  return dst;
}

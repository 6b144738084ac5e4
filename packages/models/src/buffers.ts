// Small array operations layers compose, each one kernel of the active backend (new arrays come from core's
// allocLike: the same memory as an input, and Float64Array in float64 gradient checks).
import { allocLike, type F32, kernel } from '@lora/core';

/** y += x over the first `n` elements. */
export function addInto(y: F32, x: F32, n = y.length): void {
  kernel('add')({ a: y, b: x, out: y, n });
}

/** dst[0 … n) = src[0 … n). */
export function copyInto(dst: F32, src: F32, n = src.length): void {
  kernel('stridedCopy')({
    src,
    dst,
    counts: [1, 1, 1],
    inner: n,
    srcStrides: [0, 0, 0],
    dstStrides: [0, 0, 0],
  });
}

/** A copy of `a` in the same memory. */
export function copyOf(a: F32): F32 {
  const copy = allocLike(a, a.length);
  copyInto(copy, a);
  return copy;
}

/** (A, B, C, D) → (A, C, B, D): swaps the two middle dims, e.g. (B, T, H, D) ↔ (B, H, T, D). */
export function swapMiddle(
  src: F32,
  a: number,
  b: number,
  c: number,
  d: number,
  dst = allocLike(src, a * b * c * d),
): F32 {
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

/** Column blocks [from, from + width) of a (rows, total) matrix into (rows, width) matrices: splitting a fused qkv. */
export function splitColumns(
  src: F32,
  rows: number,
  total: number,
  parts: readonly (readonly [F32, number, number])[],
): void {
  for (const [dst, from, width] of parts) {
    kernel('stridedCopy')({
      src: src.subarray(from),
      dst,
      counts: [rows, 1, 1],
      inner: width,
      srcStrides: [total, 0, 0],
      dstStrides: [width, 0, 0],
    });
  }
}

/** The inverse of splitColumns: (rows, width) matrices into column blocks of a (rows, total) matrix. */
export function joinColumns(
  dst: F32,
  rows: number,
  total: number,
  parts: readonly (readonly [F32, number, number])[],
): void {
  for (const [src, from, width] of parts) {
    kernel('stridedCopy')({
      src,
      dst: dst.subarray(from),
      counts: [rows, 1, 1],
      inner: width,
      srcStrides: [width, 0, 0],
      dstStrides: [total, 0, 0],
    });
  }
}

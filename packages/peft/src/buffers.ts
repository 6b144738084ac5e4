// Buffer helpers shared by the LoRA layers: gradients allocated in the parameter's memory (Float64Array in gradient
// checks), a layer-owned scratch grown on demand, and the host comparison merge reports use.
import { allocLike, type F32, memoryOf, type Parameter } from '@lora/core';

/** The gradient buffer of a trainable parameter, allocated (zeroed) on first use. */
export function gradOf(p: Parameter): F32 {
  p.grad ??= allocLike(p.data, p.data.length);
  return p.grad;
}

/** A reusable array grown on demand, of `like`'s memory and element type: a layer's per-call scratch. */
export class Scratch {
  #array: F32 | undefined;

  /** The first n elements (contents: whatever the last user left). */
  take(like: F32, n: number): F32 {
    const a = this.#array;
    if (a && a.length >= n && a[Symbol.toStringTag] === like[Symbol.toStringTag] && sameMemory(a, like))
      return a.length === n ? a : a.subarray(0, n);
    if (a) memoryOf(a).free(a);
    this.#array = allocLike(like, n);
    return this.#array;
  }
}

function sameMemory(a: F32, b: F32): boolean {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) return ArrayBuffer.isView(a) === ArrayBuffer.isView(b);
  return (a as unknown as { memory: unknown }).memory === (b as unknown as { memory: unknown }).memory;
}

/** The largest |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

// Buffer helpers shared by the LoRA layers: gradients allocated in the parameter's memory (Float64Array in gradient
// checks), a scratch grown on demand (a layer's own, or the dropout pair a model's LoRA layers share), and the host
// comparison merge reports use.
import { allocLike, type F32, memoryOf, type Parameter } from '@lora/core';

/** The gradient buffer of a trainable parameter, allocated (zeroed) on first use. */
export function gradOf(p: Parameter): F32 {
  p.grad ??= allocLike(p.data, p.data.length);
  return p.grad;
}

/**
 * The dropout scratch every LoRA layer of a model shares: x_d (T, in) and its gradient live only inside one layer's
 * forward or backward (backward redraws the mask from the forward's seed), so one pair serves all of them, where a
 * pair per layer held 2·T·in floats for each adapted linear of each layer.
 */
export class LoraScratch {
  /** x_d = dropout(x) (T, in) */
  readonly dropped = new Scratch();
  /** the gradient with respect to x_d (T, in) */
  readonly droppedGrad = new Scratch();
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

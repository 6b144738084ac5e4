// Keys and values of past tokens for incremental decoding (transformers StaticCache): per layer (B, Hkv, capacity, D),
// with each row's padding mask and next position, so left-padded prompts decode like unpadded ones.
import { type DeviceMemory, hostMemory, type I32 } from '@lora/core';
import type { LayerKv } from './attention.js';
import { ModelInputError } from './errors.js';

/** The key/value cache of generation: per layer, the keys and values of the tokens seen so far. */
export class KvCache {
  /** tokens cached per row so far (padding included) */
  length = 0;
  /** (B, capacity) 1 = real token */
  readonly mask: Uint8Array;
  /** (B) position the next real token of each row takes */
  readonly nextPosition: Int32Array;
  readonly layers: LayerKv[];
  /** (B) b · capacity, in the cache's memory: where each row's mask starts */
  readonly maskOffsets: I32;

  constructor(
    readonly batch: number,
    readonly capacity: number,
    numLayers: number,
    kvHeads: number,
    headDim: number,
    /** where the keys and values live: the model's memory */
    readonly memory: DeviceMemory = hostMemory,
  ) {
    this.mask = new Uint8Array(batch * capacity);
    this.nextPosition = new Int32Array(batch);
    const size = batch * kvHeads * capacity * headDim;
    this.layers = Array.from({ length: numLayers }, () => ({ k: memory.f32(size), v: memory.f32(size) }));
    this.maskOffsets = memory.upload(Int32Array.from({ length: batch }, (_, b) => b * capacity));
  }

  /** (B, capacity) the mask as 0/1 in the cache's memory (written on each call: a few bytes per row). */
  deviceMask(): I32 {
    const mask = Int32Array.from(this.mask);
    if (this.memory.host) return mask;
    this.#deviceMask ??= this.memory.i32(mask.length);
    this.memory.write(this.#deviceMask, mask);
    return this.#deviceMask;
  }

  #deviceMask: I32 | undefined;

  /** Forget every cached token (the buffers are reused). */
  reset(): void {
    this.length = 0;
    this.mask.fill(0);
    this.nextPosition.fill(0);
  }

  /**
   * Checks that `n` more tokens per row fit, and returns their (B, n) mask: `attentionMask` may cover the new tokens
   * only or, as generate() passes it, every token so far (B, length + n).
   */
  newTokenMask(batch: number, n: number, attentionMask: Uint8Array | undefined): Uint8Array | undefined {
    if (batch !== this.batch) {
      throw new ModelInputError(`forwardIncremental: expected the cache's batch ${this.batch}, got ${batch}`);
    }
    if (!Number.isInteger(n) || n <= 0 || this.length + n > this.capacity) {
      throw new ModelInputError(
        `forwardIncremental: KV cache holds ${this.capacity} tokens, expected 1 to ${this.capacity - this.length} new ones, got ${n}`,
      );
    }
    const total = this.length + n;
    if (!attentionMask || this.length === 0 || attentionMask.length !== batch * total) return attentionMask;
    return Uint8Array.from(
      { length: batch * n },
      (_, i) => attentionMask[Math.floor(i / n) * total + this.length + (i % n)]!,
    );
  }

  /** (B·n) positions of the new tokens: real tokens continue their row's count, padding gets 0. Writes nothing. */
  positionsOf(n: number, mask: Uint8Array | undefined): Int32Array {
    const positions = new Int32Array(this.batch * n); // (B·n)
    for (let b = 0; b < this.batch; b++) {
      let next = this.nextPosition[b]!;
      for (let i = 0; i < n; i++) positions[b * n + i] = !mask || mask[b * n + i] ? next++ : 0;
    }
    return positions;
  }

  /** Records the new tokens' mask and advances each row's next position (their keys are written by the layers). */
  record(n: number, mask: Uint8Array | undefined): void {
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < n; i++) {
        const real = !mask || mask[b * n + i] === 1;
        this.mask[b * this.capacity + this.length + i] = real ? 1 : 0;
        if (real) this.nextPosition[b]!++;
      }
    }
  }
}

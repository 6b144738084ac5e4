// Device arrays of the gpu.js GPU modes: views (element offset, length) of one record, whose values are the gpu.js
// pipeline result (a GL texture, or on webgpu a storage buffer) that the last kernel writing the record produced.
import type { DeviceHandle, F32, I32, U8 } from '@lora/core';
import type { GpujsMemory } from './memory.js';

/** Element type of a gpu.js device array: float32, int32 or uint8. */
export type TextureDtype = 'f32' | 'i32' | 'u8';

/** What gpu.js returns in pipeline mode: a GL texture or a WebGPU buffer result, read back by toArray(). */
export interface DeviceResult {
  /** the values (nested Float32Arrays for 2-D/3-D outputs), or a Promise of them on webgpu */
  toArray(): unknown;
  /** drops this reference (the texture or buffer goes when its last reference does) */
  delete(): void;
}

/**
 * One array's storage. gpu.js results are immutable, so writing the array replaces `result` with a new one; views
 * point here, not at a result, so they always see the latest values.
 */
export class TextureRecord {
  /** the values; undefined while the array is still all zeros (filled on first use as an input) */
  result: DeviceResult | undefined;
  /** a kernel writing this record has been queued (or it was zero-filled): it has a result, or will have */
  written = false;
  freed = false;

  constructor(
    /** unique within its memory; scratch records are 0 */
    readonly id: number,
    /** elements: every result of this record has exactly this many */
    readonly length: number,
    readonly dtype: TextureDtype,
  ) {}
}

abstract class TextureArrayBase implements DeviceHandle {
  abstract readonly dtype: TextureDtype;
  constructor(
    readonly memory: GpujsMemory,
    readonly record: TextureRecord,
    /** first element of the view in its record */
    readonly offset: number,
    readonly length: number,
  ) {}

  /** the range [begin, end) of this view, checked (non-negative, within the view) */
  protected range(begin = 0, end = this.length): [number, number] {
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin || end > this.length) {
      throw new RangeError(
        `subarray of a ${this.memory.name} ${this.dtype} array of ${this.length}: expected 0 ≤ begin ≤ end ≤ ${this.length}, got ${begin}, ${end}`,
      );
    }
    return [this.offset + begin, end - begin];
  }

  /** whether the view covers its whole record (a write then replaces the record's result outright) */
  get whole(): boolean {
    return this.offset === 0 && this.length === this.record.length;
  }
}

export class TextureF32 extends TextureArrayBase implements F32 {
  readonly dtype = 'f32';
  get [Symbol.toStringTag](): 'DeviceF32' {
    return 'DeviceF32';
  }
  subarray(begin?: number, end?: number): TextureF32 {
    const [offset, length] = this.range(begin, end);
    return new TextureF32(this.memory, this.record, offset, length);
  }
}

export class TextureI32 extends TextureArrayBase implements I32 {
  readonly dtype = 'i32';
  get [Symbol.toStringTag](): 'DeviceI32' {
    return 'DeviceI32';
  }
  subarray(begin?: number, end?: number): TextureI32 {
    const [offset, length] = this.range(begin, end);
    return new TextureI32(this.memory, this.record, offset, length);
  }
}

export class TextureU8 extends TextureArrayBase implements U8 {
  readonly dtype = 'u8';
  get [Symbol.toStringTag](): 'DeviceU8' {
    return 'DeviceU8';
  }
  subarray(begin?: number, end?: number): TextureU8 {
    const [offset, length] = this.range(begin, end);
    return new TextureU8(this.memory, this.record, offset, length);
  }
}

/** Any gpu.js device array (the arrays of `GpujsMemory`). */
export type TextureArray = TextureF32 | TextureI32 | TextureU8;

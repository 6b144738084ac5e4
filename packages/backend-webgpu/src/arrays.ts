// Device arrays of the webgpu backend: views (element offset, length) of one GPU buffer. Views share their buffer;
// kernels bind the whole buffer and read the view's offset from their uniforms, so any offset works.
import type { DeviceCounters, F32, I32, U8 } from '@lora/core';
import type { WebGpuMemory } from './memory.js';

/** Element type of a WebGPU array: float32, int32 or uint8. */
export type GpuDtype = 'f32' | 'i32' | 'u8';

/** One GPU buffer and what is known about it; every view of it points here. */
export interface GpuBufferRecord {
  readonly buffer: GPUBuffer;
  /** unique per buffer for the life of the memory (bind-group cache keys) */
  readonly id: number;
  readonly bytes: number;
  freed: boolean;
}

export type { DeviceCounters };

abstract class GpuArrayBase {
  abstract readonly dtype: GpuDtype;
  constructor(
    readonly memory: WebGpuMemory,
    readonly record: GpuBufferRecord,
    /** first element of the view in the buffer */
    readonly offset: number,
    readonly length: number,
  ) {}

  /** the range [begin, end) of this view, checked (non-negative, within the view) */
  protected range(begin = 0, end = this.length): [number, number] {
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin || end > this.length) {
      throw new RangeError(
        `subarray of a webgpu ${this.dtype} array of ${this.length}: expected 0 ≤ begin ≤ end ≤ ${this.length}, got ${begin}, ${end}`,
      );
    }
    return [this.offset + begin, end - begin];
  }
}

export class GpuF32 extends GpuArrayBase implements F32 {
  readonly dtype = 'f32';
  get [Symbol.toStringTag](): 'DeviceF32' {
    return 'DeviceF32';
  }
  subarray(begin?: number, end?: number): GpuF32 {
    const [offset, length] = this.range(begin, end);
    return new GpuF32(this.memory, this.record, offset, length);
  }
}

export class GpuI32 extends GpuArrayBase implements I32 {
  readonly dtype = 'i32';
  get [Symbol.toStringTag](): 'DeviceI32' {
    return 'DeviceI32';
  }
  subarray(begin?: number, end?: number): GpuI32 {
    const [offset, length] = this.range(begin, end);
    return new GpuI32(this.memory, this.record, offset, length);
  }
}

export class GpuU8 extends GpuArrayBase implements U8 {
  readonly dtype = 'u8';
  get [Symbol.toStringTag](): 'DeviceU8' {
    return 'DeviceU8';
  }
  subarray(begin?: number, end?: number): GpuU8 {
    const [offset, length] = this.range(begin, end);
    return new GpuU8(this.memory, this.record, offset, length);
  }
}

/** Any WebGPU array: a view (buffer, element offset, length) of a GPU buffer. */
export type GpuArray = GpuF32 | GpuI32 | GpuU8;

export const BYTES: Record<GpuDtype, number> = { f32: 4, i32: 4, u8: 1 };

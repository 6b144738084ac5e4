// Device-resident arrays: what kernels take. On a host backend the handle is the typed array itself; on a GPU
// backend it is a view of a GPU buffer. The element type is part of the type: an F32 never takes an Int32Array.

/**
 * A float array in a backend's memory: a `Float32Array` on the host backends (a `Float64Array` in gradient checks),
 * a buffer view (`[Symbol.toStringTag]` 'DeviceF32') on a GPU backend. Not indexable: per-element work is a kernel.
 */
export interface F32 {
  readonly length: number;
  readonly [Symbol.toStringTag]: 'Float32Array' | 'Float64Array' | 'DeviceF32';
  /** elements [begin, end) as a view of the same memory */
  subarray(begin?: number, end?: number): F32;
}

/** An int32 array (token ids, positions, targets) in a backend's memory: an `Int32Array` on the host. */
export interface I32 {
  readonly length: number;
  readonly [Symbol.toStringTag]: 'Int32Array' | 'DeviceI32';
  subarray(begin?: number, end?: number): I32;
}

/** A byte array (packed 4-bit and 8-bit codes) in a backend's memory: a `Uint8Array` on the host. */
export interface U8 {
  readonly length: number;
  readonly [Symbol.toStringTag]: 'Uint8Array' | 'DeviceU8';
  subarray(begin?: number, end?: number): U8;
}

/** An array of any device memory: float32, int32 or uint8. */
export type DeviceArray = F32 | I32 | U8;

type HostOf<T> = T extends F32 ? Float32Array : T extends I32 ? Int32Array : T extends U8 ? Uint8Array : T;

/** A kernel's arguments as a host backend sees them: every device array is its typed array. */
export type HostArgs<A> = { [K in keyof A]: HostOf<A[K]> };

/** Whether `array` is a typed array in JS memory (a host backend's handle) rather than a device buffer view. */
export function isHostArray(array: DeviceArray): array is Float32Array | Int32Array | Uint8Array {
  return ArrayBuffer.isView(array);
}

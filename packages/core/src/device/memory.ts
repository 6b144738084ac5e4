// Where a backend's arrays live and how data crosses to and from it (tfjs's DataStorage / onnxruntime-web's
// GpuDataManager): allocate, upload, write, read back asynchronously, free. The host memory is JS typed arrays.
import { type DeviceArray, type F32, type I32, isHostArray, type U8 } from './arrays.js';

/** What crossed between host and device, and how much work was queued, since the memory was created. */
export interface DeviceCounters {
  /** host → device copies (upload, write) and their bytes */
  uploads: number;
  uploadBytes: number;
  /** device → host reads (each one waits for the device) and their bytes */
  readbacks: number;
  readbackBytes: number;
  /** kernel launches (compute dispatches); 0 on the host */
  dispatches: number;
}

/** Where a backend keeps its arrays (host typed arrays, wasm memory, GPU buffers): allocation, upload, read, free. */
export interface DeviceMemory {
  /** e.g. "host" or "webgpu"; shown in errors */
  readonly name: string;
  /** whether arrays are JS typed arrays that host code may index */
  readonly host: boolean;
  /** the largest array this memory holds, in bytes (a GPU's largest storage binding); unbounded when absent */
  readonly maxArrayBytes?: number;
  /**
   * A host memory other than the JS heap whose arrays are typed arrays too (the wasm backend's linear memory):
   * whether `array` is one of its own. Such a memory is found by `memoryOf` once `registerTypedArrayMemory` has it.
   */
  owns?(array: Float32Array | Int32Array | Uint8Array): boolean;
  /** a zeroed array of n elements */
  f32(n: number): F32;
  i32(n: number): I32;
  u8(n: number): U8;
  /** an array holding a copy of `data` (the host memory returns `data` itself: don't modify it afterwards) */
  upload(data: Float32Array): F32;
  upload(data: Int32Array): I32;
  upload(data: Uint8Array): U8;
  /** dst[0 … data.length) = data */
  write(dst: F32, data: Float32Array): void;
  write(dst: I32, data: Int32Array): void;
  write(dst: U8, data: Uint8Array): void;
  /** a copy of the values, once every kernel queued before has run */
  read(src: F32): Promise<Float32Array>;
  read(src: I32): Promise<Int32Array>;
  read(src: U8): Promise<Uint8Array>;
  /** release an array from this memory (views of it become invalid) */
  free(array: DeviceArray): void;
  /** resolves when every kernel queued so far has run */
  sync(): Promise<void>;
  counters(): DeviceCounters;
}

/** A device array that knows its memory: every non-host handle carries this. */
export interface DeviceHandle {
  readonly memory: DeviceMemory;
}

/** A device-memory operation that cannot be done, e.g. on an array of another memory. */
export class DeviceMemoryError extends Error {
  override name = 'DeviceMemoryError';
}

function hostCopy<T extends Float32Array | Int32Array | Uint8Array>(src: T): T {
  if (src instanceof Float64Array) return Float32Array.from(src as unknown as Float64Array) as unknown as T;
  return src.slice() as T;
}

class HostMemory implements DeviceMemory {
  readonly name = 'host';
  readonly host = true;
  f32(n: number): F32 {
    return new Float32Array(n);
  }
  i32(n: number): I32 {
    return new Int32Array(n);
  }
  u8(n: number): U8 {
    return new Uint8Array(n);
  }
  upload(data: Float32Array): F32;
  upload(data: Int32Array): I32;
  upload(data: Uint8Array): U8;
  upload(data: Float32Array | Int32Array | Uint8Array): DeviceArray {
    return data;
  }
  write(dst: F32, data: Float32Array): void;
  write(dst: I32, data: Int32Array): void;
  write(dst: U8, data: Uint8Array): void;
  write(dst: DeviceArray, data: Float32Array | Int32Array | Uint8Array): void {
    (dst as Float32Array).set(data as Float32Array);
  }
  read(src: F32): Promise<Float32Array>;
  read(src: I32): Promise<Int32Array>;
  read(src: U8): Promise<Uint8Array>;
  read(src: DeviceArray): Promise<Float32Array | Int32Array | Uint8Array> {
    return Promise.resolve(hostCopy(src as Float32Array));
  }
  free(): void {}
  sync(): Promise<void> {
    return Promise.resolve();
  }
  counters(): DeviceCounters {
    return { uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, dispatches: 0 };
  }
}

/** The JS heap: arrays are typed arrays, reads are copies. Host backends (reference, wasm, gpu.js) use it. */
export const hostMemory: DeviceMemory = new HostMemory();

/** Host memories whose typed arrays are not on the JS heap (wasm memory), asked by memoryOf in turn. */
const typedArrayMemories = new Set<DeviceMemory>();

/**
 * Makes `memoryOf` answer `memory` for the typed arrays it owns, so that `allocLike` allocates beside them and
 * `memoryOf(a).free(a)` returns them. Registering the same memory again changes nothing.
 */
export function registerTypedArrayMemory(memory: DeviceMemory): void {
  if (!memory.host || !memory.owns)
    throw new DeviceMemoryError(
      `registerTypedArrayMemory: expected a host memory with owns(), got "${memory.name}" (host ${memory.host}, owns ${memory.owns ? 'yes' : 'no'})`,
    );
  typedArrayMemories.add(memory);
}

/** Forgets a memory registered with registerTypedArrayMemory (its backend was disposed or replaced). */
export function unregisterTypedArrayMemory(memory: DeviceMemory): void {
  typedArrayMemories.delete(memory);
}

/** The memory an array lives in. */
export function memoryOf(array: DeviceArray): DeviceMemory {
  if (isHostArray(array)) {
    for (const memory of typedArrayMemories) if (memory.owns!(array)) return memory;
    return hostMemory;
  }
  const memory = (array as unknown as Partial<DeviceHandle>).memory;
  if (!memory) throw new DeviceMemoryError(`expected a typed array or a device array, got ${String(array)}`);
  return memory;
}

/** A zeroed array of n elements in the same memory (and, on the host, of the same element type) as `like`. */
export function allocLike(like: F32, n: number): F32 {
  if (like instanceof Float64Array) return new Float64Array(n);
  return memoryOf(like).f32(n);
}

/** A host copy of a device array's values, once every kernel queued before has run. */
export function toHost(array: F32): Promise<Float32Array>;
export function toHost(array: I32): Promise<Int32Array>;
export function toHost(array: U8): Promise<Uint8Array>;
export function toHost(array: DeviceArray): Promise<Float32Array | Int32Array | Uint8Array> {
  return memoryOf(array).read(array as F32);
}

/**
 * The values of `array` for host code to read right away, e.g. to write them to a file: the array itself when host
 * code indexes it as float32 (the JS heap, the wasm memory), else a host copy (toHost; a Float64Array is converted).
 * Not a snapshot: read it before the next kernel writes the array. Saves use it so a checkpoint copies nothing.
 */
export async function readableOnHost(array: F32): Promise<Float32Array> {
  if (array instanceof Float32Array && memoryOf(array).host) return array;
  return toHost(array);
}

/** dst[0 … data.length) = data, in dst's memory. */
export function writeHost(dst: F32, data: Float32Array): void {
  memoryOf(dst).write(dst, data);
}

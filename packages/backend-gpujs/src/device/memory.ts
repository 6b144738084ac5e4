// The gpu.js GPU modes' DeviceMemory (webgl2, headlessgl, webgpu): arrays stay on the device between kernels, and a
// training step reads back once.
//
// Design
// - gpu.js pipeline mode keeps a kernel's result on the device: a GL texture (webgl2, headlessgl) or a storage buffer
//   (webgpu), passed straight into the next kernel. With `immutable` every call gets a fresh result. An array is a
//   record (length, dtype, its current result) and views of it (offset, length), as the webgpu backend's buffer views.
// - Results are immutable, so "write into out" means "replace out's record's result": a kernel computes the values
//   of the range it writes and the record takes the new result; the old one is released. Writing a view that is not
//   the whole record takes a second kernel (a splice): the old result outside the range, the new values inside — a
//   pass over the whole record, the price of a kernel that can only write whole textures. Accumulating arguments
//   (`accumulate`, `…Accumulate`) read the old result as one more input. Kernels with several outputs compute every
//   output first and commit them after, so none reads an output another already replaced (e.g. crossEntropyChunk's
//   running max and sum).
// - Inputs are views: a kernel gets the record's result and the view's offset as a scalar argument, so a view of any
//   offset costs nothing and compiles nothing. Kernels are compiled per shape (their loop bounds are constants) and
//   take textures of any size (gpu.js `dynamicArguments`).
// - Every result is 1-D (gpu.js packs it 4 floats per texel into a near-square texture): one texture type, so
//   kernels never recompile for a 2-D argument, and index arithmetic splits the flat index itself.
// - dtypes: everything is float32 on the device. I32 (token ids, positions, targets) is exact below 2^24 — uploads
//   and writes refuse larger magnitudes; U8 (NF4 codes, 8-bit absmax codes) is one byte per float, so a kernel reads
//   a byte as an exact float and splits nibbles with floor/mod. Index arithmetic in gpu.js kernels is float32 too,
//   which is why an array holds at most 2^24 elements (`maxArrayBytes`).
// - A new array is zeros without a result; the first kernel reading it fills it. Reads and partial-range reads run a
//   slice kernel and read back only the range.
// - Order: on GL a kernel runs when it is issued; on webgpu gpu.js returns results as Promises, so the executor
//   queues launches and runs each after the one before has its result. Either way arguments are looked up when the
//   launch runs, so issuing code never waits, and `read` resolves after everything issued before it.
// - Counted as the webgpu backend counts: uploads (upload, write) and their bytes, readbacks and their bytes,
//   dispatches (every kernel launch: the kernels' own passes, splices, zero fills and read slices).
// - Memory: each compiled kernel keeps its latest output until its next call (gpu.js `immutable`), so the GPU holds
//   one extra result per cached kernel; a result whose kernel was evicted from the cache is deleted on its context.
// - The CPU modes (webasm, cpu) stay host backends: their "device" is the JS heap, nothing to keep resident. In
//   pipeline mode they return plain arrays, which lets this memory and every device kernel run on gpu.js's cpu mode
//   (registerGpujsEmulatedBackend): the device path checked in Node, without a GPU.
// - What gpu.js cannot express (workgroup memory, several outputs, scatter) and what it costs: the package README.
import {
  type DeviceArray,
  type DeviceCounters,
  type DeviceMemory,
  DeviceMemoryError,
  type F32,
  type I32,
  type U8,
} from '@lora/core';
import {
  type TextureArray,
  type TextureDtype,
  TextureF32,
  TextureI32,
  TextureRecord,
  TextureU8,
} from './arrays.js';
import type { TextureExecutor } from './executor.js';

type HostArray = Float32Array | Int32Array | Uint8Array;

/** The largest integer a float32 texel holds exactly, and so the most elements an array may have. */
export const MAX_EXACT_INTEGER = 2 ** 24;

/**
 * `DeviceMemory` of the gpu.js backends: arrays live in GL textures or WebGPU buffers; at most 2^24 elements
 * each.
 */
export class GpujsMemory implements DeviceMemory {
  readonly host = false;
  /** at most 2^24 f32 elements: float32 index arithmetic is exact up to there */
  readonly maxArrayBytes = MAX_EXACT_INTEGER * 4;
  #counters: DeviceCounters = { uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, dispatches: 0 };
  #nextId = 1;
  /** arrays allocated and not yet freed */
  live = 0;

  constructor(
    /** e.g. "gpujs-webgl2", shown in errors */
    readonly name: string,
    readonly executor: TextureExecutor,
  ) {}

  #record(n: number, dtype: TextureDtype): TextureRecord {
    if (!Number.isInteger(n) || n < 0)
      throw new DeviceMemoryError(`${this.name}: array length expected a non-negative integer, got ${n}`);
    if (n > MAX_EXACT_INTEGER)
      throw new DeviceMemoryError(
        `${this.name}: a ${dtype} array of ${n} elements is above this memory's largest of ${MAX_EXACT_INTEGER} (2^24: gpu.js index arithmetic is float32)`,
      );
    this.live++;
    return new TextureRecord(this.#nextId++, n, dtype);
  }

  #wrap(record: TextureRecord): TextureArray {
    if (record.dtype === 'f32') return new TextureF32(this, record, 0, record.length);
    if (record.dtype === 'i32') return new TextureI32(this, record, 0, record.length);
    return new TextureU8(this, record, 0, record.length);
  }

  f32(n: number): F32 {
    return this.#wrap(this.#record(n, 'f32')) as TextureF32;
  }
  i32(n: number): I32 {
    return this.#wrap(this.#record(n, 'i32')) as TextureI32;
  }
  u8(n: number): U8 {
    return this.#wrap(this.#record(n, 'u8')) as TextureU8;
  }

  upload(data: Float32Array): F32;
  upload(data: Int32Array): I32;
  upload(data: Uint8Array): U8;
  upload(data: HostArray): DeviceArray {
    const dtype = dtypeOf(data, this.name);
    const floats = this.#floats(data, 'upload');
    const record = this.#record(data.length, dtype);
    this.executor.upload(record, floats);
    this.#counters.uploads++;
    this.#counters.uploadBytes += data.byteLength;
    return this.#wrap(record);
  }

  write(dst: F32, data: Float32Array): void;
  write(dst: I32, data: Int32Array): void;
  write(dst: U8, data: Uint8Array): void;
  write(dst: DeviceArray, data: HostArray): void {
    const array = this.own(dst, 'write', 'dst');
    if (data.length > array.length)
      throw new DeviceMemoryError(
        `${this.name} write: expected at most ${array.length} values for dst, got ${data.length}`,
      );
    if (dtypeOf(data, this.name) !== array.dtype)
      throw new DeviceMemoryError(
        `${this.name} write: expected a ${array.dtype} host array for a ${array.dtype} dst, got a ${data.constructor.name}`,
      );
    if (data.length === 0) return;
    const floats = this.#floats(data, 'write');
    this.#counters.uploads++;
    this.#counters.uploadBytes += data.byteLength;
    if (array.offset === 0 && data.length === array.record.length) {
      this.executor.upload(array.record, floats);
      return;
    }
    const part = this.executor.scratch(data.length);
    this.executor.upload(part, floats);
    this.executor.commit(array, part);
  }

  read(src: F32): Promise<Float32Array>;
  read(src: I32): Promise<Int32Array>;
  read(src: U8): Promise<Uint8Array>;
  read(src: DeviceArray): Promise<HostArray> {
    const array = this.own(src, 'read', 'src');
    this.#counters.readbacks++;
    this.#counters.readbackBytes += array.length * 4; // every element crosses as a float
    return this.executor.read(array).then((values) => {
      if (array.dtype === 'i32') return Int32Array.from(values);
      if (array.dtype === 'u8') return Uint8Array.from(values);
      return values;
    });
  }

  free(array: DeviceArray): void {
    const record =
      (array as Partial<TextureArray>).memory === this ? (array as TextureArray).record : undefined;
    if (record?.freed) return; // freed already (or through another view): nothing to do, as on the host
    const own = this.own(array, 'free', 'array');
    this.live--;
    this.executor.drop(own.record);
  }

  sync(): Promise<void> {
    return this.executor.sync();
  }

  counters(): DeviceCounters {
    return { ...this.#counters, dispatches: this.executor.dispatches };
  }

  /** `array` as one of this memory's arrays, or a DeviceMemoryError naming the operation and the argument. */
  own(array: DeviceArray | undefined, op: string, label: string): TextureArray {
    if ((array as Partial<TextureArray> | undefined)?.memory !== this) {
      const got = ArrayBuffer.isView(array) ? `a ${array.constructor.name} in JS memory` : String(array);
      throw new DeviceMemoryError(
        `${this.name} ${op}: ${label} expected an array in ${this.name} memory (allocate with deviceMemory(), or move a model with useMemory(deviceMemory())), got ${got}`,
      );
    }
    const own = array as TextureArray;
    if (own.record.freed) throw new DeviceMemoryError(`${this.name} ${op}: ${label} was freed`);
    return own;
  }

  /** The values as float32, which every device array is; integers beyond 2^24 would not survive and are refused. */
  #floats(data: HostArray, op: string): Float32Array {
    if (data instanceof Float32Array) return data;
    if (data instanceof Int32Array) {
      for (let i = 0; i < data.length; i++) {
        const v = data[i]!;
        if (v > MAX_EXACT_INTEGER || v < -MAX_EXACT_INTEGER)
          throw new DeviceMemoryError(
            `${this.name} ${op}: an int32 value expected within ±2^24 (exact in float32), got ${v} at index ${i}`,
          );
      }
    }
    return Float32Array.from(data);
  }
}

function dtypeOf(data: HostArray, memory: string): TextureDtype {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint8Array) return 'u8';
  throw new DeviceMemoryError(
    `${memory}: expected a Float32Array, Int32Array or Uint8Array, got ${String(data)}`,
  );
}

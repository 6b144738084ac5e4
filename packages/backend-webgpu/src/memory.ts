// The webgpu backend's DeviceMemory: zeroed GPU buffers (16-byte multiples, so any of them may be read as vec4),
// uploads through mapped-at-creation buffers, writes through the queue, reads through a staging buffer — each
// counted, so a training step's host ↔ device traffic can be measured.
import type { DeviceArray, DeviceCounters, DeviceMemory, F32, I32, U8 } from '@lora/core';
import { BYTES, type GpuArray, type GpuBufferRecord, type GpuDtype, GpuF32, GpuI32, GpuU8 } from './arrays.js';
import { WebGpuError } from './gpu-device.js';
import type { GpuQueue } from './queue.js';
import { BUFFER_COPY_DST, BUFFER_COPY_SRC, BUFFER_MAP_READ, BUFFER_STORAGE, MAP_READ } from './usage.js';

type HostArray = Float32Array | Int32Array | Uint8Array;

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

export class WebGpuMemory implements DeviceMemory {
  readonly name = 'webgpu';
  readonly host = false;
  #nextId = 1;
  #counters: DeviceCounters = { uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, dispatches: 0 };
  /** bytes of live buffers */
  liveBytes = 0;

  constructor(
    readonly device: GPUDevice,
    readonly queue: GpuQueue,
    /** the largest buffer the device allows (its maxStorageBufferBindingSize: kernels bind whole buffers) */
    readonly maxArrayBytes: number,
    /** called with the first device error seen, before a read returns */
    readonly takeError: () => string | undefined,
  ) {}

  #record(elements: number, dtype: GpuDtype, mappedAtCreation = false): GpuBufferRecord {
    const bytes = Math.max(16, roundUp(elements * BYTES[dtype], 16));
    if (bytes > this.maxArrayBytes) {
      throw new WebGpuError(
        `webgpu: a ${dtype} array of ${elements} elements needs ${bytes} bytes, above this device's largest storage binding of ${this.maxArrayBytes} bytes`,
      );
    }
    const buffer = this.device.createBuffer({
      size: bytes,
      usage: BUFFER_STORAGE | BUFFER_COPY_SRC | BUFFER_COPY_DST,
      mappedAtCreation,
    });
    this.liveBytes += bytes;
    return { buffer, id: this.#nextId++, bytes, freed: false };
  }

  #wrap(record: GpuBufferRecord, dtype: GpuDtype, length: number): GpuArray {
    if (dtype === 'f32') return new GpuF32(this, record, 0, length);
    if (dtype === 'i32') return new GpuI32(this, record, 0, length);
    return new GpuU8(this, record, 0, length);
  }

  #alloc(n: number, dtype: GpuDtype): GpuArray {
    if (!Number.isInteger(n) || n < 0)
      throw new WebGpuError(`webgpu: array length expected a non-negative integer, got ${n}`);
    return this.#wrap(this.#record(n, dtype), dtype, n);
  }

  f32(n: number): F32 {
    return this.#alloc(n, 'f32') as GpuF32;
  }
  i32(n: number): I32 {
    return this.#alloc(n, 'i32') as GpuI32;
  }
  u8(n: number): U8 {
    return this.#alloc(n, 'u8') as GpuU8;
  }

  upload(data: Float32Array): F32;
  upload(data: Int32Array): I32;
  upload(data: Uint8Array): U8;
  upload(data: HostArray): DeviceArray {
    const dtype = dtypeOf(data);
    const record = this.#record(data.length, dtype, true);
    const range = record.buffer.getMappedRange();
    new Uint8Array(range).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    record.buffer.unmap();
    this.#counters.uploads++;
    this.#counters.uploadBytes += data.byteLength;
    return this.#wrap(record, dtype, data.length);
  }

  write(dst: F32, data: Float32Array): void;
  write(dst: I32, data: Int32Array): void;
  write(dst: U8, data: Uint8Array): void;
  write(dst: DeviceArray, data: HostArray): void {
    const array = this.own(dst, 'write', 'dst');
    if (data.length > array.length)
      throw new WebGpuError(`webgpu write: expected at most ${array.length} values for dst, got ${data.length}`);
    const byteOffset = array.offset * BYTES[array.dtype];
    if (byteOffset % 4 !== 0 || data.byteLength % 4 !== 0)
      throw new WebGpuError(`webgpu write: a u8 write expected a 4-byte aligned offset and length, got ${byteOffset} and ${data.byteLength}`);
    this.queue.flush(); // recorded kernels must see the old contents
    this.device.queue.writeBuffer(array.record.buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
    this.#counters.uploads++;
    this.#counters.uploadBytes += data.byteLength;
  }

  read(src: F32): Promise<Float32Array>;
  read(src: I32): Promise<Int32Array>;
  read(src: U8): Promise<Uint8Array>;
  async read(src: DeviceArray): Promise<HostArray> {
    const array = this.own(src, 'read', 'src');
    const bytes = BYTES[array.dtype];
    const start = array.offset * bytes;
    const alignedStart = start - (start % 4);
    const size = roundUp(start + array.length * bytes, 4) - alignedStart;
    const staging = this.device.createBuffer({ size: Math.max(size, 4), usage: BUFFER_MAP_READ | BUFFER_COPY_DST });
    if (size > 0) this.queue.copy(array.record.buffer, alignedStart, staging, 0, size);
    this.queue.flush();
    this.#counters.readbacks++;
    this.#counters.readbackBytes += size;
    const mapped = await staging.mapAsync(MAP_READ).then(
      () => undefined,
      (cause: unknown) => cause,
    );
    const error = this.takeError() ?? (mapped === undefined ? undefined : String(mapped));
    if (error !== undefined) {
      staging.destroy();
      throw new WebGpuError(`webgpu: a kernel failed on the device: ${error}`);
    }
    const copy = staging.getMappedRange().slice(start - alignedStart, start - alignedStart + array.length * bytes);
    staging.unmap();
    staging.destroy();
    if (array.dtype === 'f32') return new Float32Array(copy);
    if (array.dtype === 'i32') return new Int32Array(copy);
    return new Uint8Array(copy);
  }

  free(array: DeviceArray): void {
    const record = (array as Partial<GpuArray>).memory === this ? (array as GpuArray).record : undefined;
    if (record?.freed) return; // freed already (or through another view): nothing to do, as on the host
    const own = this.own(array, 'free', 'array');
    own.record.freed = true;
    this.liveBytes -= own.record.bytes;
    this.queue.destroyLater(own.record.buffer);
  }

  async sync(): Promise<void> {
    this.queue.flush();
    await this.device.queue.onSubmittedWorkDone();
    const error = this.takeError();
    if (error) throw new WebGpuError(`webgpu: a kernel failed on the device: ${error}`);
  }

  counters(): DeviceCounters {
    return { ...this.#counters, dispatches: this.queue.dispatches };
  }

  /** `array` as one of this memory's arrays, or a WebGpuError naming the operation and the argument. */
  own(array: DeviceArray, op: string, label: string): GpuArray {
    if ((array as Partial<GpuArray>).memory !== this) {
      const got = ArrayBuffer.isView(array) ? `a ${array.constructor.name} in JS memory` : String(array);
      throw new WebGpuError(
        `webgpu ${op}: ${label} expected an array in webgpu memory (allocate with deviceMemory(), or move a model with useMemory(deviceMemory())), got ${got}`,
      );
    }
    const own = array as GpuArray;
    if (own.record.freed) throw new WebGpuError(`webgpu ${op}: ${label} was freed`);
    return own;
  }
}

function dtypeOf(data: HostArray): GpuDtype {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Uint8Array) return 'u8';
  throw new WebGpuError(`webgpu upload: expected a Float32Array, Int32Array or Uint8Array, got ${String(data)}`);
}

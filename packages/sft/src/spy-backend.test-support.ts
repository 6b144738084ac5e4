// A device backend for tests (not exported): its arrays are opaque handles over host buffers — not indexable, as on a
// GPU, so host code that indexes a device array fails here as it would on webgpu; freeing a view frees its whole
// buffer and a freed buffer refuses kernels and reads, as webgpu's memory does — every read back is counted, and the
// reference kernels serve it on the unwrapped buffers, so its results equal the reference backend's bit for bit.
import {
  type DeviceArray,
  type DeviceCounters,
  type DeviceMemory,
  type F32,
  type I32,
  KERNEL_NAMES,
  type KernelName,
  type KernelSignatures,
  REFERENCE_BACKEND,
  referenceKernels,
  registerBackend,
  registerKernel,
  setBackend,
  type U8,
} from '@lora/core';

export const SPY_BACKEND = 'sft-spy';

type Backing = Float32Array | Int32Array | Uint8Array;

function tagOf(b: Backing): 'DeviceF32' | 'DeviceI32' | 'DeviceU8' {
  if (b instanceof Float32Array) return 'DeviceF32';
  return b instanceof Int32Array ? 'DeviceI32' : 'DeviceU8';
}

/** One allocation; its views share it. */
interface SpyBuffer {
  id: number;
  freed: boolean;
}

/** A view of a spy buffer: `length` and `subarray` only, like a GPU buffer view. */
class SpyArray {
  constructor(
    readonly memory: SpyMemory,
    readonly buffer: SpyBuffer,
    readonly backing: Backing,
  ) {}
  get length(): number {
    return this.backing.length;
  }
  get [Symbol.toStringTag](): string {
    return tagOf(this.backing);
  }
  subarray(begin?: number, end?: number): SpyArray {
    return new SpyArray(this.memory, this.buffer, this.backing.subarray(begin, end));
  }
}

function backingOf(array: unknown, what: string): Backing {
  if (!(array instanceof SpyArray))
    throw new Error(`${what}: expected a ${SPY_BACKEND} array, got ${String(array)}`);
  if (array.buffer.freed)
    throw new Error(`${what}: expected a live array, got one of buffer ${array.buffer.id}, freed`);
  return array.backing;
}

/** The spy's memory: counts what crosses to and from the "device" and records the length of every read. */
export class SpyMemory implements DeviceMemory {
  readonly name = SPY_BACKEND;
  readonly host = false;
  /** the element count of each read, in order */
  readonly reads: number[] = [];
  #counters: DeviceCounters = { uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, dispatches: 0 };
  #buffers = 0;

  #wrap(b: Backing): SpyArray {
    return new SpyArray(this, { id: this.#buffers++, freed: false }, b);
  }
  f32(n: number): F32 {
    return this.#wrap(new Float32Array(n)) as unknown as F32;
  }
  i32(n: number): I32 {
    return this.#wrap(new Int32Array(n)) as unknown as I32;
  }
  u8(n: number): U8 {
    return this.#wrap(new Uint8Array(n)) as unknown as U8;
  }
  upload(data: Float32Array): F32;
  upload(data: Int32Array): I32;
  upload(data: Uint8Array): U8;
  upload(data: Backing): DeviceArray {
    this.#counters.uploads++;
    this.#counters.uploadBytes += data.byteLength;
    return this.#wrap(data.slice()) as unknown as DeviceArray;
  }
  write(dst: F32, data: Float32Array): void;
  write(dst: I32, data: Int32Array): void;
  write(dst: U8, data: Uint8Array): void;
  write(dst: DeviceArray, data: Backing): void {
    this.#counters.uploads++;
    this.#counters.uploadBytes += data.byteLength;
    (backingOf(dst, 'write') as Float32Array).set(data as Float32Array);
  }
  read(src: F32): Promise<Float32Array>;
  read(src: I32): Promise<Int32Array>;
  read(src: U8): Promise<Uint8Array>;
  read(src: DeviceArray): Promise<Backing> {
    const b = backingOf(src, 'read');
    this.reads.push(b.length);
    this.#counters.readbacks++;
    this.#counters.readbackBytes += b.byteLength;
    return Promise.resolve(b.slice());
  }
  /** frees the whole buffer behind a view (freeing it twice is allowed, as on webgpu) */
  free(array: DeviceArray): void {
    if (!(array instanceof SpyArray))
      throw new Error(`free: expected a ${SPY_BACKEND} array, got ${String(array)}`);
    array.buffer.freed = true;
  }
  sync(): Promise<void> {
    return Promise.resolve();
  }
  counters(): DeviceCounters {
    return { ...this.#counters };
  }
  /** counts a kernel launch (the spy kernels call it) */
  dispatched(): void {
    this.#counters.dispatches++;
  }
}

/** A kernel's arguments with every spy array replaced by its buffer; a host typed array is refused (wrong memory). */
function unwrap(name: KernelName, args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (ArrayBuffer.isView(value))
      throw new Error(
        `${SPY_BACKEND} kernel ${name} "${key}": expected a device array, got a host typed array`,
      );
    out[key] = value instanceof SpyArray ? backingOf(value, `${SPY_BACKEND} kernel ${name} "${key}"`) : value;
  }
  return out;
}

export const spyMemory = new SpyMemory();

/** Registers backend "sft-spy" (never chosen automatically) with every reference kernel. Idempotent. */
export function registerSpyBackend(): SpyMemory {
  registerBackend({
    name: SPY_BACKEND,
    priority: -10,
    isAvailable: () => true,
    preferred: () => false,
    describe: () => 'reference kernels behind opaque handles, reads counted',
    memory: () => spyMemory,
  });
  for (const name of KERNEL_NAMES) {
    const reference = referenceKernels[name] as unknown as (args: Record<string, unknown>) => void;
    const impl = (args: Record<string, unknown>): void => {
      spyMemory.dispatched();
      reference(unwrap(name, args));
    };
    registerKernel({ name, backend: SPY_BACKEND, impl: impl as unknown as KernelSignatures[typeof name] });
  }
  return spyMemory;
}

/** Runs `body` with the spy backend active, then restores the reference backend. */
export async function onSpyBackend<T>(body: (memory: SpyMemory) => Promise<T>): Promise<T> {
  registerSpyBackend();
  await setBackend(SPY_BACKEND);
  try {
    return await body(spyMemory);
  } finally {
    await setBackend(REFERENCE_BACKEND);
  }
}

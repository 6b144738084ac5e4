// Test support: a device backend without a device. Backend "sealed" keeps its arrays as opaque handles around host
// typed arrays — not indexable, not ArrayBuffer views, as a GPU buffer view is — and serves every kernel by unwrapping
// them for the reference kernel. Code that gives the host's results on it never indexes a device array, reads back
// only through toHost, writes only through writeHost, and never hands a kernel an array it freed or a host array.
import {
  type DeviceArray,
  type DeviceCounters,
  type DeviceMemory,
  type F32,
  type I32,
  KERNEL_NAMES,
  type KernelName,
  type KernelSignatures,
  referenceKernels,
  registerBackend,
  registerKernel,
  type U8,
} from '@lora/core';

export const SEALED_BACKEND = 'sealed';

type HostArray = Float32Array | Int32Array | Uint8Array;

/** One allocation: its views share it, and freeing it invalidates them all. */
interface Block {
  freed: boolean;
}

class SealedArray {
  constructor(
    readonly memory: SealedMemory,
    readonly view: HostArray,
    readonly block: Block,
  ) {}

  get length(): number {
    return this.view.length;
  }

  get [Symbol.toStringTag](): string {
    if (this.view instanceof Float32Array) return 'DeviceF32';
    return this.view instanceof Int32Array ? 'DeviceI32' : 'DeviceU8';
  }

  subarray(begin?: number, end?: number): SealedArray {
    return new SealedArray(this.memory, this.view.subarray(begin, end), this.block);
  }
}

export class SealedMemory implements DeviceMemory {
  readonly name = SEALED_BACKEND;
  readonly host = false;
  #counters: DeviceCounters = { uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, dispatches: 0 };
  /** allocations not yet freed */
  live = 0;

  #wrap(view: HostArray): SealedArray {
    this.live++;
    return new SealedArray(this, view, { freed: false });
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
  upload(data: HostArray): DeviceArray {
    this.#counters.uploads++;
    this.#counters.uploadBytes += data.byteLength;
    return this.#wrap(data.slice()) as unknown as DeviceArray;
  }

  write(dst: F32, data: Float32Array): void;
  write(dst: I32, data: Int32Array): void;
  write(dst: U8, data: Uint8Array): void;
  write(dst: DeviceArray, data: HostArray): void {
    this.#counters.uploads++;
    this.#counters.uploadBytes += data.byteLength;
    (this.unwrap(dst, 'write') as Float32Array).set(data as Float32Array);
  }

  read(src: F32): Promise<Float32Array>;
  read(src: I32): Promise<Int32Array>;
  read(src: U8): Promise<Uint8Array>;
  read(src: DeviceArray): Promise<HostArray> {
    const view = this.unwrap(src, 'read');
    this.#counters.readbacks++;
    this.#counters.readbackBytes += view.byteLength;
    return Promise.resolve(view.slice());
  }

  free(array: DeviceArray): void {
    const block = this.#own(array, 'free').block;
    if (block.freed) return;
    block.freed = true;
    this.live--;
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  counters(): DeviceCounters {
    return { ...this.#counters };
  }

  /** The typed array behind one of this memory's live arrays; throws for a host array, another memory's or a freed one. */
  unwrap(array: unknown, where: string): HostArray {
    const own = this.#own(array, where);
    if (own.block.freed) throw new Error(`sealed ${where}: expected a live array, got one that was freed`);
    return own.view;
  }

  #own(array: unknown, where: string): SealedArray {
    if (!(array instanceof SealedArray) || array.memory !== this)
      throw new Error(`sealed ${where}: expected an array of this memory, got ${describe(array)}`);
    return array;
  }

  countDispatch(): void {
    this.#counters.dispatches++;
  }
}

function describe(value: unknown): string {
  return (value as { constructor?: { name?: string } })?.constructor?.name ?? String(value);
}

/** The kernel's arguments with every array unwrapped (a host typed array among them is refused: no GPU reads one). */
function unwrapArgs(memory: SealedMemory, name: KernelName, args: object): object {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (ArrayBuffer.isView(value))
      throw new Error(
        `sealed ${name}: argument ${key} expected an array of this memory, got a host ${describe(value)}`,
      );
    out[key] = value instanceof SealedArray ? memory.unwrap(value, `${name} ${key}`) : value;
  }
  return out;
}

/** Registers backend "sealed" (never chosen automatically) with every kernel; returns its memory. */
export function registerSealedBackend(): SealedMemory {
  const memory = new SealedMemory();
  registerBackend({
    name: SEALED_BACKEND,
    priority: -100,
    isAvailable: () => true,
    preferred: () => false,
    describe: () => 'opaque host arrays (tests)',
    memory: () => memory,
  });
  for (const name of KERNEL_NAMES) {
    const reference = referenceKernels[name] as (args: object) => void;
    const impl = (args: object) => {
      memory.countDispatch();
      reference(unwrapArgs(memory, name, args));
    };
    registerKernel({ name, backend: SEALED_BACKEND, impl: impl as KernelSignatures[typeof name] });
  }
  return memory;
}

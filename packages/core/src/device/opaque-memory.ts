// A device memory without a device: each array is an opaque handle over a host typed array — not indexable and not an
// ArrayBuffer view, as a GPU buffer view is. Views of one allocation share it, freeing any view frees the allocation,
// a freed array is refused everywhere, and what crosses to and from the "device" is counted. See opaque-backend.ts.
// A test may give it a largest array (maxArrayBytes, as a GPU's largest storage binding): larger ones are refused.
import type { DeviceArray, F32, I32, U8 } from './arrays.js';
import { type DeviceCounters, type DeviceHandle, type DeviceMemory, DeviceMemoryError } from './memory.js';

type HostArray = Float32Array | Int32Array | Uint8Array;

/** Host code tried to read or write an array that lives in device memory (copy it with `toHost` first). */
export class OpaqueArrayError extends DeviceMemoryError {
  override name = 'OpaqueArrayError';
}

/** One allocation: its views share it, and freeing any of them frees it. */
interface Allocation {
  readonly id: number;
  freed: boolean;
}

/** What a handle hides: its allocation and its window of the host array. Kept out of the handle so no code reads it. */
const hidden = new WeakMap<OpaqueArray, { allocation: Allocation; view: HostArray }>();

/** A view of an opaque allocation: `length`, `subarray` and a tag, as a GPU buffer view has; its values only by read. */
class OpaqueArray implements DeviceHandle {
  constructor(
    readonly memory: OpaqueMemory,
    allocation: Allocation,
    view: HostArray,
  ) {
    hidden.set(this, { allocation, view });
  }
  get length(): number {
    return hidden.get(this)!.view.length;
  }
  get [Symbol.toStringTag](): 'DeviceF32' | 'DeviceI32' | 'DeviceU8' {
    const { view } = hidden.get(this)!;
    if (view instanceof Float32Array) return 'DeviceF32';
    return view instanceof Int32Array ? 'DeviceI32' : 'DeviceU8';
  }
  subarray(begin?: number, end?: number): OpaqueArray {
    const { allocation, view } = hidden.get(this)!;
    return new OpaqueArray(this.memory, allocation, view.subarray(begin, end));
  }
}

/** How a value reads in an error message. */
function describe(value: unknown): string {
  if (value instanceof OpaqueArray) return `a ${value[Symbol.toStringTag]} of memory "${value.memory.name}"`;
  if (ArrayBuffer.isView(value)) return `a host ${value.constructor.name}`;
  return String(value);
}

/**
 * The memory of an opaque backend: allocations are host typed arrays behind handles. `reads` lists the element count
 * of every read in order, `live` counts allocations not yet freed, `counters()` the uploads, reads and dispatches.
 */
export class OpaqueMemory implements DeviceMemory {
  readonly host = false;
  /** the element count of each read, in order */
  readonly reads: number[] = [];
  #counters: DeviceCounters = { uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, dispatches: 0 };
  #allocations = 0;
  #live = 0;

  /**
   * The largest array, in bytes: an allocation or upload above it throws, as creating a GPU binding that large
   * would fail. Unbounded by default; tests set it to run a model as a device with a small binding limit would.
   */
  maxArrayBytes: number | undefined;

  constructor(readonly name = 'opaque') {}

  /** allocations made and not yet freed */
  get live(): number {
    return this.#live;
  }

  #wrap(view: HostArray): OpaqueArray {
    if (this.maxArrayBytes !== undefined && view.byteLength > this.maxArrayBytes)
      throw new OpaqueArrayError(
        `${this.name} alloc: expected at most maxArrayBytes = ${this.maxArrayBytes} bytes, got ${view.byteLength}`,
      );
    this.#live++;
    return new OpaqueArray(this, { id: this.#allocations++, freed: false }, view);
  }
  #length(n: number): number {
    if (!Number.isInteger(n) || n < 0)
      throw new OpaqueArrayError(`${this.name} alloc: length expected a non-negative integer, got ${n}`);
    return n;
  }

  f32(n: number): F32 {
    return this.#wrap(new Float32Array(this.#length(n))) as unknown as F32;
  }
  i32(n: number): I32 {
    return this.#wrap(new Int32Array(this.#length(n))) as unknown as I32;
  }
  u8(n: number): U8 {
    return this.#wrap(new Uint8Array(this.#length(n))) as unknown as U8;
  }

  upload(data: Float32Array): F32;
  upload(data: Int32Array): I32;
  upload(data: Uint8Array): U8;
  upload(data: HostArray): DeviceArray {
    if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array))
      throw new OpaqueArrayError(
        `${this.name} upload: expected a Float32Array, Int32Array or Uint8Array, got ${describe(data)}`,
      );
    this.#counters.uploads++;
    this.#counters.uploadBytes += data.byteLength;
    return this.#wrap(data.slice()) as unknown as DeviceArray;
  }

  write(dst: F32, data: Float32Array): void;
  write(dst: I32, data: Int32Array): void;
  write(dst: U8, data: Uint8Array): void;
  write(dst: DeviceArray, data: HostArray): void {
    const view = this.unwrap(dst, 'write dst');
    if (Object.getPrototypeOf(data) !== Object.getPrototypeOf(view) || data.length > view.length)
      throw new OpaqueArrayError(
        `${this.name} write: expected at most ${view.length} values as a ${view.constructor.name}, got ${data.length} in ${describe(data)}`,
      );
    this.#counters.uploads++;
    this.#counters.uploadBytes += data.byteLength;
    (view as Float32Array).set(data as Float32Array);
  }

  read(src: F32): Promise<Float32Array>;
  read(src: I32): Promise<Int32Array>;
  read(src: U8): Promise<Uint8Array>;
  read(src: DeviceArray): Promise<HostArray> {
    const view = this.unwrap(src, 'read src');
    this.reads.push(view.length);
    this.#counters.readbacks++;
    this.#counters.readbackBytes += view.byteLength;
    return Promise.resolve(view.slice());
  }

  /** Frees the whole allocation behind a view; freeing it again (through any view) does nothing, as on webgpu. */
  free(array: DeviceArray): void {
    const { allocation } = this.#own(array, 'free array');
    if (allocation.freed) return;
    allocation.freed = true;
    this.#live--;
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  counters(): DeviceCounters {
    return { ...this.#counters };
  }

  /** Counts one kernel launch (the opaque backend's kernels call it). */
  countDispatch(): void {
    this.#counters.dispatches++;
  }

  /**
   * The host typed array behind one of this memory's live arrays, for the kernels that serve it. Throws
   * OpaqueArrayError for a host typed array, another memory's array or a freed one; `where` names the use.
   */
  unwrap(array: unknown, where: string): HostArray {
    const { allocation, view } = this.#own(array, where);
    if (allocation.freed)
      throw new OpaqueArrayError(
        `${this.name} ${where}: expected a live array, got ${describe(array)} whose allocation ${allocation.id} was freed`,
      );
    return view;
  }

  #own(array: unknown, where: string): { allocation: Allocation; view: HostArray } {
    const own = array instanceof OpaqueArray && array.memory === this ? hidden.get(array) : undefined;
    if (!own)
      throw new OpaqueArrayError(
        `${this.name} ${where}: expected an array of this memory, got ${describe(array)}`,
      );
    return own;
  }
}

// The wasm backend's DeviceMemory: float arrays are Float32Array views of the wasm linear memory, so matmul and the
// elementwise kernels use them in place. Host code still indexes them, as it does the JS heap's arrays. Without
// it every call copies its operands into wasm memory and its output back: the LM head's fused loss alone copied its
// whole (V, C) weight once per tile of rows (12.8 GB per step at vocabulary 151,936, hidden 512, 256 tokens).
//
// wasm32 memory ends at 4 GiB, and the per-call staging area, the GEMM's packing scratch and the NF4 absmax need room
// in it too. Arrays are placed here while the memory's maximum less HEADROOM_BYTES allows; past that (or where the
// memory cannot grow) an array goes on the JS heap, still correct, copied per call as before, and counted in stats().
// int32 and byte arrays (ids, 4-bit codes) stay on the JS heap: a 4-bit weight keeps its host codes, so a wasm copy
// would hold them twice.
import type { DeviceCounters, DeviceMemory, F32, I32, U8 } from '@lora/core';
import { hostMemory } from '@lora/core';
import { WasmMemoryError } from './errors.js';
import type { WasmHeap } from './heap.js';

/** Room kept free of arrays in a 4 GiB memory (less in a smaller one: a quarter of its maximum). */
const HEADROOM_BYTES = 1024 * 1024 * 1024;

/** Where this memory's arrays went: in wasm memory, or spilled to the JS heap when it had no room. */
export interface WasmMemoryStats {
  residentArrays: number;
  residentBytes: number;
  spilledArrays: number;
  spilledBytes: number;
}

interface Block {
  ptr: number;
  bytes: number;
  freed: boolean;
}

export class WasmMemory implements DeviceMemory {
  readonly name = 'wasm';
  readonly host = true;
  /**
   * Each array f32 handed out, with its block. Only these arrays free their block: a typed-array view cannot say
   * which allocation it came from, and a stale view must never free a block that was handed out again.
   */
  readonly #blocks = new WeakMap<Float32Array, Block>();
  #residentArrays = 0;
  #residentBytes = 0;
  #spilledArrays = 0;
  #spilledBytes = 0;

  constructor(private readonly heap: WasmHeap) {}

  /** The most bytes of arrays placed in wasm memory; what is left stays for per-call staging and scratch. */
  get budgetBytes(): number {
    const max = this.heap.maxBytes;
    return max - Math.min(HEADROOM_BYTES, Math.floor(max / 4));
  }

  owns(array: Float32Array | Int32Array | Uint8Array): boolean {
    return array instanceof Float32Array && this.heap.addressOf(array) !== undefined;
  }

  f32(n: number): F32 {
    if (!Number.isInteger(n) || n < 0)
      throw new WasmMemoryError(`wasm memory f32: n expected a non-negative integer, got ${n}`);
    const bytes = 4 * n;
    if (bytes > 0 && this.#residentBytes + bytes <= this.budgetBytes) {
      const ptr = this.#tryAlloc(bytes);
      if (ptr !== undefined) {
        const view = this.heap.f32(ptr, n);
        view.fill(0); // a reused block holds an earlier array's values
        this.#blocks.set(view, { ptr, bytes, freed: false });
        this.#residentArrays++;
        this.#residentBytes += bytes;
        return view;
      }
    }
    if (bytes > 0) {
      this.#spilledArrays++;
      this.#spilledBytes += bytes;
    }
    return new Float32Array(n);
  }

  i32(n: number): I32 {
    return hostMemory.i32(n);
  }

  u8(n: number): U8 {
    return hostMemory.u8(n);
  }

  upload(data: Float32Array): F32;
  upload(data: Int32Array): I32;
  upload(data: Uint8Array): U8;
  upload(data: Float32Array | Int32Array | Uint8Array): F32 | I32 | U8 {
    if (!(data instanceof Float32Array)) return data;
    const array = this.f32(data.length) as Float32Array;
    array.set(data);
    return array;
  }

  write(dst: F32, data: Float32Array): void;
  write(dst: I32, data: Int32Array): void;
  write(dst: U8, data: Uint8Array): void;
  write(dst: F32 | I32 | U8, data: Float32Array | Int32Array | Uint8Array): void {
    (dst as Float32Array).set(data as Float32Array);
  }

  read(src: F32): Promise<Float32Array>;
  read(src: I32): Promise<Int32Array>;
  read(src: U8): Promise<Uint8Array>;
  read(src: F32 | I32 | U8): Promise<Float32Array | Int32Array | Uint8Array> {
    return Promise.resolve((src as Float32Array).slice());
  }

  /**
   * Returns an array from f32 to the allocator. Freeing it twice, or freeing a view of it, or an array that spilled
   * to the JS heap, does nothing (as the host memory does nothing): only the array f32 returned frees its block.
   */
  free(array: F32 | I32 | U8): void {
    const block = array instanceof Float32Array ? this.#blocks.get(array) : undefined;
    if (!block || block.freed) return;
    block.freed = true;
    this.#residentArrays--;
    this.#residentBytes -= block.bytes;
    this.heap.release(block.ptr);
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  counters(): DeviceCounters {
    return { uploads: 0, uploadBytes: 0, readbacks: 0, readbackBytes: 0, dispatches: 0 };
  }

  stats(): WasmMemoryStats {
    return {
      residentArrays: this.#residentArrays,
      residentBytes: this.#residentBytes,
      spilledArrays: this.#spilledArrays,
      spilledBytes: this.#spilledBytes,
    };
  }

  /** An address for `bytes`, or undefined when the memory cannot grow to hold them (the array then spills). */
  #tryAlloc(bytes: number): number | undefined {
    try {
      return this.heap.alloc(bytes, true);
    } catch (error) {
      if (error instanceof WasmMemoryError) return undefined;
      throw error;
    }
  }
}

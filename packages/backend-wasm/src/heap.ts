// The wasm backend's memory: one WebAssembly.Memory carved by a first-fit allocator with coalescing.
// Shared memory (Node, crossOriginIsolated pages) keeps every old view valid when it grows; unshared memory
// would detach them, so there growth refuses to run while arrays from allocF32 are alive.
import { WasmMemoryError } from './errors.js';

export const WASM_PAGE = 65536;
const ALIGN = 64;
/** the low page stays unused, so a zero or small pointer is never a valid operand */
const HEAP_BASE = WASM_PAGE;
const MAX_PAGES = [65536, 32768, 16384, 4096];

interface Block {
  ptr: number;
  size: number;
}

/** The maximum, in bytes, each memory from createMemory was created with (WebAssembly.Memory does not say). */
const maxima = new WeakMap<WebAssembly.Memory, number>();

/** A memory of `initialBytes` or more; the maximum is the largest of MAX_PAGES this platform reserves. */
export function createMemory(shared: boolean, initialBytes: number): WebAssembly.Memory {
  const initial = Math.max(2, Math.ceil((HEAP_BASE + initialBytes) / WASM_PAGE));
  let lastError: unknown;
  for (const maximum of MAX_PAGES) {
    try {
      const memory = new WebAssembly.Memory({ initial: Math.min(initial, maximum), maximum, shared });
      maxima.set(memory, maximum * WASM_PAGE);
      return memory;
    } catch (error) {
      lastError = error;
    }
  }
  throw new WasmMemoryError(`creating the wasm memory failed: expected ${initial} pages to be available`, {
    cause: lastError,
  });
}

export class WasmHeap {
  private readonly freeList: Block[];
  private readonly used = new Map<number, number>(); // ptr -> size
  private readonly resident = new Set<number>(); // ptrs handed to callers as arrays
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly shared: boolean,
  ) {
    this.freeList = [{ ptr: HEAP_BASE, size: memory.buffer.byteLength - HEAP_BASE }];
    this.buffers.add(memory.buffer);
  }

  /** Byte address of `bytes` fresh bytes, 64-byte aligned; grows the memory when no free block fits. */
  alloc(bytes: number, resident = false): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let index = this.freeList.findIndex((b) => b.size >= size);
    if (index < 0) index = this.grow(size);
    const block = this.freeList[index]!;
    const ptr = block.ptr;
    if (block.size === size) this.freeList.splice(index, 1);
    else {
      block.ptr += size;
      block.size -= size;
    }
    this.used.set(ptr, size);
    if (resident) this.resident.add(ptr);
    return ptr;
  }

  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined)
      throw new WasmMemoryError(`freeing wasm memory failed: ${ptr} is not an allocation`);
    this.used.delete(ptr);
    this.resident.delete(ptr);
    let index = this.freeList.findIndex((b) => b.ptr > ptr);
    if (index < 0) index = this.freeList.length;
    this.freeList.splice(index, 0, { ptr, size });
    const next = this.freeList[index + 1];
    if (next && ptr + size === next.ptr) {
      this.freeList[index]!.size += next.size;
      this.freeList.splice(index + 1, 1);
    }
    const prev = this.freeList[index - 1];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += this.freeList[index]!.size;
      this.freeList.splice(index, 1);
    }
  }

  /** A Float32Array over [ptr, ptr + 4·length) of the current buffer. */
  f32(ptr: number, length: number): Float32Array {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return new Float32Array(buffer, ptr, length);
  }

  /** The most bytes this memory can grow to (its current size for a memory not made by createMemory). */
  get maxBytes(): number {
    return maxima.get(this.memory) ?? this.memory.buffer.byteLength;
  }

  /** Bytes of the current memory: what the process holds for it, used or free. */
  get sizeBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Whether `ptr` is an allocation made for a caller (allocF32). */
  isResident(ptr: number): boolean {
    return this.resident.has(ptr);
  }

  /** The byte address of an array that lives in this memory, or undefined when it lives elsewhere. */
  addressOf(array: ArrayBufferView): number | undefined {
    return this.buffers.has(array.buffer) && array.byteLength > 0 ? array.byteOffset : undefined;
  }

  get residentCount(): number {
    return this.resident.size;
  }

  /** Grow so that a block of `size` bytes fits at the end; returns its free-list index. */
  private grow(size: number): number {
    const end = this.memory.buffer.byteLength;
    const last = this.freeList[this.freeList.length - 1];
    const tail = last && last.ptr + last.size === end ? last.size : 0;
    const pages = Math.ceil((size - tail) / WASM_PAGE);
    if (!this.shared && this.resident.size > 0) {
      throw new WasmMemoryError(
        `growing the wasm memory failed: ${this.resident.size} arrays from wasmAllocF32 live in unshared memory, ` +
          `which growth would detach; expected room for ${size} bytes: pass a larger memoryMiB to registerWasmBackend`,
      );
    }
    try {
      this.memory.grow(pages);
    } catch (cause) {
      throw new WasmMemoryError(
        `growing the wasm memory failed: expected ${pages} more pages beyond ${end / WASM_PAGE}`,
        { cause },
      );
    }
    this.buffers.add(this.memory.buffer);
    if (tail > 0) last!.size += pages * WASM_PAGE;
    else this.freeList.push({ ptr: end, size: pages * WASM_PAGE });
    return this.freeList.length - 1;
  }
}

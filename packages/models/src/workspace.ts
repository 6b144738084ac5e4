// Reusable activation buffers (llm.c allocates its activations once and reuses them every step): a training step
// takes its buffers by role from workspaces, so only the first step of a shape allocates — in the memory of the
// backend the model runs on (a GPU's, or the JS heap).
import {
  allocLike,
  type DeviceArray,
  type DeviceMemory,
  type F32,
  hostMemory,
  type I32,
  kernel,
  memoryOf,
} from '@lora/core';

interface Entry {
  array: DeviceArray;
  /** the memory that allocated it, which frees it */
  memory: DeviceMemory;
  view: DeviceArray;
}

/**
 * Buffers by key, grown on demand and reused: `take` hands out the first n elements of the key's buffer, whose
 * contents are whatever the previous user left (callers overwrite it, or ask for it zeroed).
 */
export class Workspace {
  readonly #scopes = new Map<string, Workspace>();
  #temp: Workspace | undefined;

  constructor(
    /** where new buffers are allocated; a Float64Array `like` (gradient checks) always gets a host Float64Array */
    public memory: DeviceMemory = hostMemory,
    private readonly prefix = '',
    private readonly buffers = new Map<string, Entry>(),
    temp?: Workspace,
    private readonly root?: Workspace,
  ) {
    this.#temp = temp;
  }

  #memory(): DeviceMemory {
    return this.root ? this.root.#memory() : this.memory;
  }

  /** A workspace whose keys are prefixed by `name` (sharing this one's buffers and memory), cached per name. */
  scope(name: string): Workspace {
    let s = this.#scopes.get(name);
    if (!s) {
      s = new Workspace(this.memory, `${this.prefix}${name}/`, this.buffers, this.temp, this.root ?? this);
      this.#scopes.set(name, s);
    }
    return s;
  }

  /**
   * The one workspace for transient buffers shared by every scope of this root: what a layer needs only until its
   * call returns (scores before softmax, backward intermediates). Layers take it as `ws.temp.scope(<layer kind>)`.
   */
  get temp(): Workspace {
    if (!this.#temp) {
      const t = new Workspace(this.memory, '~temp/', this.buffers, undefined, this.root ?? this);
      t.#temp = t;
      this.#temp = t;
    }
    return this.#temp;
  }

  /** `make` allocates from the memory it is given, or (`fromMemory` false) on the JS heap: then the heap frees it. */
  #take(
    full: string,
    n: number,
    make: (memory: DeviceMemory) => DeviceArray,
    fromMemory = true,
  ): { view: DeviceArray; fresh: boolean } {
    let entry = this.buffers.get(full);
    const fresh = !entry || entry.array.length < n;
    if (fresh) {
      entry?.memory.free(entry.array);
      const memory = this.#memory();
      const array = make(memory);
      entry = { array, memory: fromMemory ? memory : hostMemory, view: array };
      this.buffers.set(full, entry);
    }
    // the same view object for the same length: layers may recognise an input they saw in the previous step
    if (entry!.view.length !== n) entry!.view = entry!.array.subarray(0, n);
    return { view: entry!.view, fresh };
  }

  /** n elements of the f32 buffer for `key` (a host Float64Array when `like` is one: gradient checks). */
  take(key: string, like: F32, n: number, zero = false): F32 {
    const f64 = like instanceof Float64Array;
    const full = f64 ? `${this.prefix}${key}:f64` : `${this.prefix}${key}`;
    const { view, fresh } = this.#take(full, n, (memory) => (f64 ? allocLike(like, n) : memory.f32(n)), !f64);
    if (zero && !fresh && n > 0) kernel('fill')({ x: view as F32, n, value: 0 });
    return view as F32;
  }

  /** n elements of the i32 buffer for `key` (contents: whatever the previous user left). */
  takeI32(key: string, n: number): I32 {
    return this.#take(`${this.prefix}${key}:i32`, n, (m) => m.i32(n)).view as I32;
  }

  /**
   * The f32 buffer for `key`, shared by every scope of this root, that `init` fills when it is first made: a constant
   * the layers reuse every step (a host Float64Array when `like` is one: gradient checks).
   */
  constant(key: string, like: F32, n: number, init: (view: F32) => void): F32 {
    const f64 = like instanceof Float64Array;
    const full = `~const/${key}${f64 ? ':f64' : ''}`;
    const { view, fresh } = this.#take(full, n, (memory) => (f64 ? allocLike(like, n) : memory.f32(n)), !f64);
    if (fresh) init(view as F32);
    return view as F32;
  }

  /** The i32 buffer for `key` holding `data` (host data copied in; on the host memory `data` itself). */
  upload(key: string, data: Int32Array): I32 {
    const memory = this.#memory();
    if (memory.host) return data;
    const view = this.takeI32(key, data.length);
    if (data.length > 0) memory.write(view, data);
    return view;
  }

  /**
   * Several int32 arrays in one upload (one host → device copy) under `key`, as views by name; on the host memory
   * the arrays themselves.
   */
  uploadAll(key: string, parts: Record<string, Int32Array>): Record<string, I32> {
    const memory = this.#memory();
    if (memory.host) return parts;
    const total = Object.values(parts).reduce((n, p) => n + p.length, 0);
    const packed = new Int32Array(total);
    const starts: Record<string, number> = {};
    let at = 0;
    for (const [name, part] of Object.entries(parts)) {
      starts[name] = at;
      packed.set(part, at);
      at += part.length;
    }
    const all = this.upload(key, packed);
    return Object.fromEntries(
      Object.entries(parts).map(([name, part]) => [
        name,
        all.subarray(starts[name]!, starts[name]! + part.length),
      ]),
    );
  }

  /** Drops every buffer of this workspace's root (all scopes), returning them to their memory. */
  clear(): void {
    for (const { array, memory } of this.buffers.values()) memory.free(array);
    this.buffers.clear();
  }
}

/** `ws.take(key, like, n, zero)`, or without a workspace a fresh zeroed array in `like`'s memory. */
export function buffer(ws: Workspace | undefined, key: string, like: F32, n: number, zero = false): F32 {
  return ws ? ws.take(key, like, n, zero) : allocLike(like, n);
}

/** `ws.upload(key, data)`, or without a workspace `data` uploaded to `like`'s memory (the host keeps `data`). */
export function uploadI32(ws: Workspace | undefined, key: string, like: F32, data: Int32Array): I32 {
  return ws ? ws.upload(key, data) : memoryOf(like).upload(data);
}

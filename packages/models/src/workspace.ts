// Reusable activation buffers (llm.c allocates its activations once and reuses them every step): a training step
// takes its buffers by role from workspaces, so only the first step of a shape allocates.
import { alloc } from './buffers.js';

/** Where a model's arrays live: a backend's memory (e.g. @lora/backend-wasm's wasmAllocF32 / wasmFree) or the JS heap. */
export interface ArrayMemory {
  /** a zeroed Float32Array of n elements */
  allocate?: (n: number) => Float32Array;
  /** return an array from `allocate` (when a buffer is outgrown) */
  free?: (array: Float32Array) => void;
}

/**
 * Buffers by key, grown on demand and reused: `take` hands out the first n elements of the key's buffer, whose
 * contents are whatever the previous user left (callers overwrite it, or ask for it zeroed).
 */
export class Workspace {
  readonly #scopes = new Map<string, Workspace>();
  #temp: Workspace | undefined;

  constructor(
    readonly memory: ArrayMemory = {},
    private readonly prefix = '',
    private readonly buffers = new Map<string, { array: Float32Array; owned: boolean; view: Float32Array }>(),
    temp?: Workspace,
  ) {
    this.#temp = temp;
  }

  /** A workspace whose keys are prefixed by `name` (sharing this one's buffers and memory), cached per name. */
  scope(name: string): Workspace {
    let s = this.#scopes.get(name);
    if (!s) {
      s = new Workspace(this.memory, `${this.prefix}${name}/`, this.buffers, this.temp);
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
      const t = new Workspace(this.memory, '~temp/', this.buffers);
      t.#temp = t;
      this.#temp = t;
    }
    return this.#temp;
  }

  /** n elements of the buffer for `key`, of the element type of `like` (Float64Array in gradient checks). */
  take(key: string, like: Float32Array, n: number, zero = false): Float32Array {
    const type = (like as { constructor: { name: string } }).constructor.name;
    const f32 = type === 'Float32Array';
    const full = f32 ? `${this.prefix}${key}` : `${this.prefix}${key}:${type}`;
    let entry = this.buffers.get(full);
    const fresh = !entry || entry.array.length < n;
    if (fresh) {
      if (entry?.owned) this.memory.free?.(entry.array);
      const owned = f32 && this.memory.allocate !== undefined;
      const array = owned ? this.memory.allocate!(n) : alloc(like, n);
      entry = { array, owned, view: array };
      this.buffers.set(full, entry);
    }
    // the same view object for the same length: layers may recognise an input they saw in the previous step
    if (entry!.view.length !== n) entry!.view = entry!.array.subarray(0, n);
    if (zero && !fresh) entry!.view.fill(0);
    return entry!.view;
  }

  /** Drops every buffer of this workspace's root (all scopes), returning those from `memory.allocate`. */
  clear(): void {
    for (const { array, owned } of this.buffers.values()) if (owned) this.memory.free?.(array);
    this.buffers.clear();
  }
}

/** `ws.take(key, like, n, zero)`, or without a workspace a fresh zeroed array (the layers' default). */
export function buffer(
  ws: Workspace | undefined,
  key: string,
  like: Float32Array,
  n: number,
  zero = false,
): Float32Array {
  return ws ? ws.take(key, like, n, zero) : alloc(like, n);
}

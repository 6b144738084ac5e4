// A (rows, cols) weight read by rows — the token embedding, a separate lm_head, GPT-2's positions — kept as row blocks
// each within a memory's largest array (a GPU's largest storage binding: Qwen2.5-1.5B's 151,936 × 1,536 f32 embedding
// is 933 MB, WebGPU's default binding limit 128 MiB). Each block is a Parameter of the tensor's name with its
// `rowBlock` set, so the optimizer, the gradient norm and the NaN guard see arrays as they see any other parameter;
// what needs the tensor whole (export, save) joins the blocks here. A memory without a limit holds one block.
import {
  type DeviceMemory,
  DeviceMemoryError,
  type F32,
  memoryOf,
  type Parameter,
  rowsPerArray,
  toHost,
} from '@lora/core';
import { ModelInputError } from './errors.js';

/** One block of a table as the embedding and lm-head kernels take it: rows [rowStart, rowStart + rowCount). */
export interface TableBlock {
  data: F32;
  rowStart: number;
  rowCount: number;
}

/** 933.4 MB, 12.0 kB, 800 B */
export function showBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`;
}

/**
 * Rows of a (rows, cols) f32 tensor per array of a memory that holds at most `maxArrayBytes` (all of them without a
 * limit); with `align`, a multiple of it when at least one fits (the lm head's vocabulary chunks then never straddle a
 * block) — core's rowsPerArray, which @lora/sft's planner predicts the blocks by. Throws ModelInputError naming the
 * tensor when a single row is larger than the limit.
 */
export function blockRows(
  name: string,
  rows: number,
  cols: number,
  maxArrayBytes: number | undefined,
  align = 1,
): number {
  const per = rowsPerArray(rows, cols, maxArrayBytes, align);
  if (per < 1)
    throw new ModelInputError(
      `tensor "${name}": one row of ${cols} f32 needs ${showBytes(4 * cols)}, above the memory's largest array of ${showBytes(maxArrayBytes!)} (a tensor is split by whole rows)`,
    );
  return per;
}

/** The rows a parameter holds of its tensor: its rowBlock's, or all of them. */
export function rowsOf(p: Parameter): { rowStart: number; rowCount: number } {
  return { rowStart: p.rowBlock?.rowStart ?? 0, rowCount: p.shape[0]! };
}

/** A (rows, cols) weight as row blocks (one, the tensor itself, until a memory with an array limit splits it). */
export class RowBlocks {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** the blocks in row order, each a Parameter named `name` (rowBlock set when there are several) */
  parts: Parameter[];

  constructor(whole: Parameter) {
    const [rows, cols] = whole.shape as [number, number];
    this.name = whole.name;
    this.rows = rows;
    this.cols = cols;
    this.parts = [whole];
  }

  get trainable(): boolean {
    return this.parts[0]!.trainable;
  }

  /** The values of each block, as the embedding and lm-head kernels take them. */
  tables(): TableBlock[] {
    return this.parts.map((p) => ({ data: p.data, ...rowsOf(p) }));
  }

  /** The gradient of each block (allocated, zeroed, on first use), or undefined when frozen. */
  grads(gradOf: (p: Parameter) => F32): TableBlock[] | undefined {
    return this.trainable ? this.parts.map((p) => ({ data: gradOf(p), ...rowsOf(p) })) : undefined;
  }

  /** The whole tensor (rows, cols) read back to the host. */
  async read(): Promise<Float32Array> {
    if (this.parts.length === 1) return toHost(this.parts[0]!.data);
    return join(await Promise.all(this.parts.map((p) => toHost(p.data))), this.rows * this.cols);
  }

  /** Throws ModelInputError naming the tensor when a row does not fit `memory`'s largest array. */
  check(memory: DeviceMemory): void {
    blockRows(this.name, this.rows, this.cols, memory.maxArrayBytes);
  }

  /**
   * Moves the blocks into `memory`, split into blocks of `blockRows(…, align)` rows (joined into one without a
   * limit); values and gradients are kept, the old arrays freed. Float64 tensors (gradient checks) stay as they are.
   */
  async moveTo(memory: DeviceMemory, align = 1): Promise<void> {
    const first = this.parts[0]!;
    if (first.data instanceof Float64Array) return;
    const per = blockRows(this.name, this.rows, this.cols, memory.maxArrayBytes, align);
    const starts = Array.from({ length: Math.ceil(this.rows / per) }, (_, i) => i * per);
    const same =
      starts.length === this.parts.length &&
      this.parts.every((p, i) => rowsOf(p).rowStart === starts[i] && memoryOf(p.data) === memory);
    if (same) return;
    const data = await this.#take((p) => p.data);
    const grad = first.grad ? await this.#take((p) => p.grad!) : undefined;
    const n = this.cols;
    const slice = (whole: Float32Array, start: number) =>
      memory.upload(whole.subarray(start * n, Math.min(this.rows, start + per) * n));
    // the first block stays the Parameter it was (whole again when there is one), so holders of it (an adapter's
    // modules_to_save) keep seeing the tensor's values
    this.parts = starts.map((start, i) => {
      const p: Parameter =
        i === 0
          ? first
          : {
              name: this.name,
              shape: [],
              data,
              grad: undefined,
              trainable: first.trainable,
              decay: first.decay,
            };
      p.shape = [Math.min(per, this.rows - start), n];
      p.data = slice(data, start);
      p.grad = grad ? slice(grad, start) : undefined;
      if (starts.length > 1) p.rowBlock = { rowStart: start, rows: this.rows };
      else delete p.rowBlock;
      return p;
    });
  }

  /** One array of the blocks, read back to the host, every block freed from its memory. */
  async #take(array: (p: Parameter) => F32): Promise<Float32Array> {
    const hosts: Float32Array[] = [];
    for (const p of this.parts) {
      const a = array(p);
      hosts.push(await toHost(a));
      memoryOf(a).free(a);
    }
    return hosts.length === 1 ? hosts[0]! : join(hosts, this.rows * this.cols);
  }
}

function join(blocks: readonly Float32Array[], n: number): Float32Array {
  const out = new Float32Array(n);
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  if (at !== n) throw new DeviceMemoryError(`row blocks: expected ${n} elements in all, got ${at}`);
  return out;
}

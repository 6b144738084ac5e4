// Runs one elementwise job: operands that live in wasm memory are used in place, others are copied into the
// engine's per-call arena (and outputs back out), then the job runs on the calling thread alone or, when it is
// large enough, on the worker pool as well (rows or elements split, see assembly/elementwise/dispatch.ts).

import {
  type ElementwiseKind,
  type ElementwiseLayout,
  type JobArg,
  readElementwiseLayout,
  writeElementwiseJob,
} from './elementwise-job.js';
import type { WasmGemmEngine } from './engine.js';
import { WasmBackendError } from './errors.js';
import { globalValue } from './job.js';
import type { ThreadPool } from './pool-node.js';

/** What WasmGemmEngine.elementwiseHost() hands over. */
export interface ElementwiseHost {
  exports: WebAssembly.Exports;
  pool: ThreadPool | undefined;
  /** byte address of a reusable per-call area of at least `bytes` */
  arena(bytes: number): number;
}

/** in: read only; out: written only (its old contents never read); inout: read and written. */
export type OperandMode = 'in' | 'out' | 'inout';

/** The arrays a job reads and writes (Float64Array only for partial sums the TypeScript side allocates). */
export type OperandArray = Float32Array | Int32Array | Uint8Array | Float64Array;

/** An operand: the array, how many elements the kernel touches, and how. */
export type Operand = readonly [array: OperandArray, length: number, mode: OperandMode];

export interface ElementwiseRunOptions {
  /** units the work splits into (rows, or elements for the elementwise activations) */
  units: number;
  /** a measure of the work (elements touched × a per-element cost); below minParallelWork it stays on the caller */
  work: number;
}

/** What the last elementwise call did: the threads it ran on and the bytes it copied in and out. */
export interface ElementwiseCallStats {
  threads: number;
  stagedBytes: number;
}

/** Below this much work (≈ elements × cost) a call stays on the calling thread: waking workers costs more. */
export const ELEMENTWISE_MIN_PARALLEL_WORK = 1 << 15;
const JOB_BYTES = 256;

export class ElementwiseRunner {
  readonly lastCall: ElementwiseCallStats = { threads: 0, stagedBytes: 0 };
  private layoutCache: ElementwiseLayout | undefined;
  private readonly constants = new Map<string, number>();

  constructor(
    private readonly engine: WasmGemmEngine,
    /** work below which a call runs on the calling thread alone (tests lower it to 0 to force threads) */
    readonly minParallelWork = ELEMENTWISE_MIN_PARALLEL_WORK,
  ) {}

  /** The value of an i32 global the wasm module exports (a constant the kernels and this side share). */
  constant(name: string): number {
    let value = this.constants.get(name);
    if (value === undefined) {
      value = globalValue(this.engine.elementwiseHost().exports, name);
      this.constants.set(name, value);
    }
    return value;
  }

  /** Whether a job of `work` over at least two `units` would run on the worker pool (and not on this thread alone). */
  parallel(work: number, units: number): boolean {
    const pool = this.engine.elementwiseHost().pool;
    return pool !== undefined && pool.size > 1 && units > 1 && work >= this.minParallelWork;
  }

  /** Whether `array` lives in wasm memory (and would be used in place). */
  isResident(array: ArrayBufferView): boolean {
    return this.engine.heap.addressOf(array) !== undefined;
  }

  /** Stage `operands`, write the job (`args` gets each operand's byte address by name) and run it. */
  run<K extends string>(
    kind: ElementwiseKind,
    operands: Record<K, Operand>,
    args: (ptr: Record<K, number>) => JobArg[],
    options: ElementwiseRunOptions,
  ): void {
    const host = this.engine.elementwiseHost();
    const heap = this.engine.heap;
    const layout = (this.layoutCache ??= readElementwiseLayout(host.exports));
    const entries = Object.entries(operands) as [K, Operand][];
    // resident arrays are used in place; the others (one slot per distinct array: out may alias x) are staged
    const ptr = {} as Record<K, number>;
    const staged = new Map<OperandArray, { offset: number; length: number; read: boolean; write: boolean }>();
    for (const [name, [array, length, mode]] of entries) {
      const address = heap.addressOf(array);
      if (address !== undefined) {
        ptr[name] = address;
        continue;
      }
      const slot = staged.get(array) ?? { offset: 0, length: 0, read: false, write: false };
      staged.set(array, slot);
      slot.length = Math.max(slot.length, length);
      slot.read ||= mode !== 'out';
      slot.write ||= mode !== 'in';
    }
    let stagedBytes = 0;
    for (const [array, slot] of staged) {
      slot.offset = stagedBytes;
      stagedBytes += align(slot.length * array.BYTES_PER_ELEMENT);
    }
    const job = host.arena(JOB_BYTES + stagedBytes);
    const memory = heap.memory;
    const bytes = new Uint8Array(memory.buffer); // after arena(), which may have grown the memory
    for (const [array, slot] of staged) {
      if (slot.read) bytes.set(byteView(array, slot.length), job + JOB_BYTES + slot.offset);
    }
    for (const [name, [array]] of entries) {
      const slot = staged.get(array);
      if (slot) ptr[name] = job + JOB_BYTES + slot.offset;
    }
    writeElementwiseJob(memory, job, layout, layout.kinds[kind], args(ptr));
    const pool = host.pool;
    const nthreads =
      pool && options.work >= this.minParallelWork ? Math.max(1, Math.min(pool.size, options.units)) : 1;
    const runThread = host.exports.runThread as (job: number, tid: number, nthreads: number) => number;
    const own = () => void runThread(job, 0, nthreads);
    try {
      if (nthreads > 1 && pool) pool.run(job, nthreads, own);
      else own();
    } catch (cause) {
      if (cause instanceof WasmBackendError) throw cause;
      throw new WasmBackendError(`wasm ${kind} failed: the calling thread trapped (${String(cause)})`, {
        cause,
      });
    }
    const after = new Uint8Array(memory.buffer);
    for (const [array, slot] of staged) {
      if (slot.write) {
        const start = job + JOB_BYTES + slot.offset;
        byteView(array, slot.length).set(
          after.subarray(start, start + slot.length * array.BYTES_PER_ELEMENT),
        );
      }
    }
    this.lastCall.threads = nthreads;
    this.lastCall.stagedBytes = stagedBytes;
  }
}

function byteView(array: OperandArray, length: number): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, length * array.BYTES_PER_ELEMENT);
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

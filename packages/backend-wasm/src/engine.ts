// Reference: BLIS-style GEMM (assembly/gemm.ts); this side stages operands in wasm memory, writes the job and
// runs it on the calling thread plus the worker pool.

import type { HostArgs, BatchedMatmulArgs, MatmulArgs, Nf4MatmulArgs } from '@lora/core';
import { type KernelVariant, loadKernelBinary } from './binaries.js';
import type { ElementwiseHost } from './elementwise-run.js';
import { WasmBackendError, WasmMemoryError } from './errors.js';
import { detectFeatures } from './features.js';
import { checkGemmArgs, type GemmCall } from './gemm-args.js';
import { createMemory, WASM_PAGE, WasmHeap } from './heap.js';
import {
  type Blocking,
  type BOperand,
  globalValue,
  type JobLayout,
  type KernelExports,
  readJobLayout,
  writeJob,
} from './job.js';
import { checkNf4Args } from './nf4-args.js';
import type { ThreadPool } from './pool-node.js';
import { obtainRelaxedSimd, type RelaxedSimdSource, resolveSimdMode, simdFromEnv } from './simd-mode.js';
import { isNode, resolveThreads, threadsFromEnv } from './threads.js';

/** Options of `registerWasmBackend` and of the engine behind it: threads, initial memory, packing, shared memory. */
export interface WasmEngineOptions {
  /** threads including the caller; default LORA_THREADS, else the available cores (Node) or 1 (browser) */
  threads?: number;
  /**
   * 'auto' (default, or LORA_WASM_SIMD) picks relaxed SIMD (FMA) where the engine can have it, on Node 20 by
   * setting V8's flag at run time; 'relaxed' requires it; 'baseline' never uses it
   */
  simd?: 'auto' | 'relaxed' | 'baseline';
  /** initial wasm memory; it grows on demand (unshared memory cannot grow while resident arrays live) */
  memoryMiB?: number;
  /** cache blocking, for tuning (default: MC, KC, NC of assembly/gemm.ts) */
  blocking?: Partial<Blocking>;
  /** 'auto' lets thin products (LoRA rank) read an operand in place; 'always' packs both (for tuning, tests) */
  packing?: 'auto' | 'always';
  /**
   * false forces unshared memory and one thread, as on a page that is not crossOriginIsolated (for tests);
   * by default memory is shared wherever the platform allows
   */
  sharedMemory?: boolean;
}

/** Below this many flops a product runs on the calling thread alone: waking workers costs more. */
const PARALLEL_MIN_FLOPS = 1 << 22;
/**
 * What dequantizing one 4-bit weight costs, in flops of that count: a decoding product (assembly/nf4-dot.ts) does
 * a few shuffles per weight and only 2·M flops, so a 1×896×896 product is worth both threads.
 */
const NF4_WEIGHT_FLOPS = 16;
const JOB_BYTES = 256;
/** bytes after the job for nf4Matmul's block-scales descriptor (SCALES_BYTES, aligned) */
const SCALES_AREA = 64;

/** What the last gemm did: threads it ran on, bytes copied in and out, panels the calling thread packed. */
export interface GemmCallStats {
  threads: number;
  stagedBytes: number;
  packedPanels: number;
}

/**
 * The WebAssembly SIMD GEMM engine: compiled kernels, the wasm memory and the worker-thread pool behind the
 * wasm backend.
 */
export class WasmGemmEngine {
  /** diagnostics of the last gemm call (tests use it to see the resident path skip copies) */
  readonly lastCall: GemmCallStats = { threads: 0, stagedBytes: 0, packedPanels: 0 };
  private pool: ThreadPool | undefined;
  private arenaPtr = 0;
  private arenaBytes = 0;

  private constructor(
    private readonly module: WebAssembly.Module,
    private readonly exports: KernelExports,
    private readonly layout: JobLayout,
    readonly heap: WasmHeap,
    readonly variant: KernelVariant,
    /** how relaxed SIMD was obtained ('none' when the baseline build runs) */
    readonly relaxedSimd: RelaxedSimdSource,
    /** threads asked for (capped at 1 where workers are unavailable) */
    readonly threads: number,
    readonly blocking: Blocking,
    private readonly alwaysPack: boolean,
    private readonly scratchPtr: number,
    private readonly scratchStride: number,
  ) {}

  /** Compile the kernels and create the memory; threads start with startThreads(). */
  static async create(options: WasmEngineOptions = {}): Promise<WasmGemmEngine> {
    const features = detectFeatures();
    if (!features.simd)
      throw new WasmBackendError('wasm backend: expected WebAssembly SIMD, which this platform lacks');
    const simd = resolveSimdMode(options.simd, simdFromEnv());
    const relaxedSimd = simd === 'baseline' ? 'none' : await obtainRelaxedSimd();
    if (simd === 'relaxed' && relaxedSimd === 'none') {
      throw new WasmBackendError(
        'wasm backend: simd "relaxed" expected relaxed SIMD support, got none (f32x4.relaxed_madd does not validate)',
      );
    }
    const variant: KernelVariant = relaxedSimd === 'none' ? 'simd' : 'relaxed';
    const shared = features.sharedMemory && options.sharedMemory !== false;
    // Node: worker_threads, as many as the cores by default; a browser: Web Workers from a worker of a
    // crossOriginIsolated page, only when asked for (threads option; the page's default stays 1 thread)
    const node = isNode();
    const workersPossible = shared && (node || (await import('./pool-browser.js')).browserWorkersPossible());
    const available = workersPossible && node ? (await import('./pool-node.js')).availableCores() : 1;
    const asked = resolveThreads(options.threads, threadsFromEnv(), available);
    const threads = workersPossible ? asked : 1;
    const module = await WebAssembly.compile(await loadKernelBinary(variant, shared));
    const memory = createMemory(shared, (options.memoryMiB ?? 16) * 1024 * 1024);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const exports = instance.exports as unknown as KernelExports;
    const heap = new WasmHeap(memory, shared);
    const blocking = resolveBlocking(instance.exports, options.blocking);
    const stride = exports.scratchBytes(blocking.mc, blocking.kc, blocking.nc);
    const scratchPtr = heap.alloc(stride * threads);
    const layout = readJobLayout(instance.exports);
    const alwaysPack = options.packing === 'always';
    return new WasmGemmEngine(
      module,
      exports,
      layout,
      heap,
      variant,
      relaxedSimd,
      threads,
      blocking,
      alwaysPack,
      scratchPtr,
      stride,
    );
  }

  /** Start the worker threads (shared memory, threads > 1): Node's worker_threads or Web Workers; idempotent. */
  async startThreads(): Promise<void> {
    if (this.pool || this.threads < 2) return;
    if (isNode()) {
      const { startNodePool } = await import('./pool-node.js');
      this.pool = await startNodePool(this.module, this.heap.memory, this.threads);
    } else {
      const { startBrowserPool } = await import('./pool-browser.js');
      this.pool = await startBrowserPool(this.module, this.heap.memory, this.threads);
    }
  }

  /** Stop the workers; the engine keeps working on the calling thread and resident arrays stay valid. */
  async stopThreads(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.dispose();
  }

  /** Threads a large product runs on right now. */
  get activeThreads(): number {
    return this.pool?.size ?? 1;
  }

  describe(): string {
    const fma =
      this.relaxedSimd === 'v8-flag'
        ? 'relaxed FMA (V8 flag set at run time)'
        : this.relaxedSimd === 'native'
          ? 'relaxed FMA'
          : 'no relaxed SIMD';
    const n = this.activeThreads;
    return `WebAssembly SIMD, ${fma}, ${n} thread${n === 1 ? '' : 's'}`;
  }

  /** A zeroed Float32Array of n elements living in wasm memory: operands that are resident skip the copy. */
  allocF32(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0)
      throw new WasmMemoryError(`wasmAllocF32: n expected a non-negative integer, got ${n}`);
    const ptr = this.heap.alloc(n * 4, true);
    const view = this.heap.f32(ptr, n);
    view.fill(0);
    return view;
  }

  free(array: Float32Array): void {
    const ptr = this.heap.addressOf(array);
    if (ptr === undefined || !this.heap.isResident(ptr)) {
      throw new WasmMemoryError(
        'wasmFree: expected an array from wasmAllocF32, got one that lives elsewhere',
      );
    }
    this.heap.release(ptr);
  }

  /** The matmul kernel: checks its arguments (KernelArgumentError), then runs. */
  matmul(args: HostArgs<MatmulArgs>): void {
    this.gemm(checkGemmArgs('matmul', args));
  }

  /** The batchedMatmul kernel: checks its arguments (KernelArgumentError), then runs. */
  batchedMatmul(args: HostArgs<BatchedMatmulArgs>): void {
    this.gemm(checkGemmArgs('batchedMatmul', args));
  }

  /**
   * The nf4Matmul kernel: a GEMM whose B panels are dequantized from the 4-bit codes as they are packed
   * (PACK_B_NF4), or for decoding (≤ 8 rows, forward) dot products that read the codes in place
   * (assembly/nf4-dot.ts); either reads the block scales as given, f32 or double-quantized (assembly/nf4-scales.ts),
   * so neither the dense weight nor restored scales ever exist. Operands outside wasm memory are copied in per call.
   */
  nf4Matmul(args: HostArgs<Nf4MatmulArgs>): void {
    const c = checkNf4Args(args);
    const accumulate = args.accumulate ?? false;
    Object.assign(this.lastCall, { threads: 0, stagedBytes: 0, packedPanels: 0 });
    if (c.outLen === 0) return;
    if (c.gemmK === 0) {
      if (!accumulate) args.out.fill(0, 0, c.outLen);
      return;
    }
    const nested = args.nested as HostArgs<NonNullable<Nf4MatmulArgs['nested']>> | undefined;
    const scaleParts: [ArrayBufferView, number][] = nested
      ? [
          [nested.qabsmax, c.blocks],
          [nested.nestedAbsmax, Math.ceil(c.blocks / nested.nestedBlocksize) * 4],
          [nested.nestedCode, 256 * 4],
        ]
      : [[args.absmax!, c.blocks * 4]];
    const parts: [ArrayBufferView, number, boolean][] = [
      [args.x, c.xLen * 4, true],
      [args.packed, c.packedLen, true],
      [args.code, 64, true],
      [args.out, c.outLen * 4, accumulate],
      ...scaleParts.map(([view, bytes]): [ArrayBufferView, number, boolean] => [view, bytes, true]),
    ];
    const ptrs = parts.map(([view]) => this.heap.addressOf(view));
    const stagedBytes = parts.reduce(
      (sum, [, bytes], i) => sum + (ptrs[i] === undefined ? align(bytes) : 0),
      0,
    );
    // the job, then the scales' descriptor, then the copied operands
    const job = this.arena(JOB_BYTES + SCALES_AREA + stagedBytes);
    const bytes = new Uint8Array(this.heap.memory.buffer);
    let cursor = job + JOB_BYTES + SCALES_AREA;
    parts.forEach(([view, length, copy], i) => {
      if (ptrs[i] !== undefined) return;
      ptrs[i] = cursor;
      if (copy) bytes.set(new Uint8Array(view.buffer, view.byteOffset, length), cursor);
      cursor += align(length);
    });
    const [xPtr, packedPtr, codePtr, outPtr, ...scalePtrs] = ptrs as number[];
    const scales = job + JOB_BYTES;
    this.writeScales(scales, scalePtrs, nested);
    const packer = globalValue(this.exports as unknown as WebAssembly.Exports, 'PACK_B_NF4');
    const call = {
      batch: 1,
      m: c.m,
      n: c.gemmN,
      k: c.gemmK,
      transA: false,
      transB: c.forward,
      alpha: 1,
      accumulate,
    };
    const operand: BOperand = { packer, ptr: packedPtr!, rs: c.rs, cs: c.cs, batchStride: 0 };
    const weightFlops = NF4_WEIGHT_FLOPS * c.gemmN * c.gemmK;
    this.run(call, job, xPtr!, { ...operand, aux: [scales, args.blocksize, codePtr!] }, outPtr!, weightFlops);
    if (this.heap.addressOf(args.out) === undefined) args.out.set(this.heap.f32(outPtr!, c.outLen));
    this.lastCall.stagedBytes = stagedBytes;
  }

  /** The block scales' descriptor the NF4 kernels read (assembly/nf4-scales.ts): plain f32 absmax, or nested. */
  private writeScales(
    at: number,
    ptrs: number[],
    nested: HostArgs<NonNullable<Nf4MatmulArgs['nested']>> | undefined,
  ): void {
    const exports = this.exports as unknown as WebAssembly.Exports;
    const words = new Int32Array(this.heap.memory.buffer, at, 6);
    if (!nested) {
      words.set([globalValue(exports, 'SCALES_PLAIN'), ptrs[0]!]);
      return;
    }
    words.set([globalValue(exports, 'SCALES_NESTED'), ptrs[0]!, ptrs[1]!, ptrs[2]!, nested.nestedBlocksize]);
    new Float32Array(this.heap.memory.buffer, at, 6)[5] = nested.offset; // rounded to f32, as the reference does
  }

  /** out = alpha · op(A) · op(B) [+ out] for a validated call. */
  gemm(call: GemmCall): void {
    const { batch, m, n, k, a, b, out } = call;
    const cLen = batch * m * n;
    Object.assign(this.lastCall, { threads: 0, stagedBytes: 0, packedPanels: 0 });
    if (cLen === 0) return;
    if (k === 0) {
      if (!call.accumulate) out.fill(0, 0, cLen);
      return;
    }
    const aLen = batch * m * k;
    const bLen = batch * k * n;
    let aPtr = this.heap.addressOf(a);
    let bPtr = this.heap.addressOf(b);
    let cPtr = this.heap.addressOf(out);
    const staged = (ptr: number | undefined, len: number) => (ptr === undefined ? align(len * 4) : 0);
    const stagedBytes = staged(aPtr, aLen) + staged(bPtr, bLen) + staged(cPtr, cLen);
    const job = this.arena(JOB_BYTES + stagedBytes);
    let cursor = job + JOB_BYTES;
    const stage = (array: Float32Array, len: number, copy: boolean): number => {
      const ptr = cursor;
      cursor += align(len * 4);
      if (copy) this.heap.f32(ptr, len).set(array.length === len ? array : array.subarray(0, len));
      return ptr;
    };
    aPtr ??= stage(a, aLen, true);
    bPtr ??= stage(b, bLen, true);
    const copyOut = cPtr === undefined;
    cPtr ??= stage(out, cLen, call.accumulate);
    const operand: BOperand = call.transB
      ? { packer: this.packerF32, ptr: bPtr, rs: 1, cs: k, batchStride: k * n }
      : { packer: this.packerF32, ptr: bPtr, rs: n, cs: 1, batchStride: k * n };
    this.run(call, job, aPtr, operand, cPtr);
    if (copyOut) out.set(this.heap.f32(cPtr, cLen));
    this.lastCall.stagedBytes = stagedBytes;
  }

  /**
   * Run one job whose operands already live in wasm memory; `b` names the B packer and its fields, the seam
   * where a fused dequantize-into-panel packer plugs in. `extraFlops` is work beside the product's 2·M·N·K flops
   * (dequantizing B), counted when choosing the threads.
   */
  run(
    call: Omit<GemmCall, 'a' | 'b' | 'out'>,
    jobPtr: number,
    aPtr: number,
    b: BOperand,
    cPtr: number,
    extraFlops = 0,
  ): void {
    const { batch, m, n, k } = call;
    const nthreads = this.threadsFor(call, extraFlops);
    Object.assign(this.lastCall, { threads: nthreads, stagedBytes: 0, packedPanels: 0 });
    writeJob(this.heap.memory, jobPtr, this.layout, {
      batch,
      m,
      n,
      k,
      aPtr,
      aRs: call.transA ? 1 : k,
      aCs: call.transA ? m : 1,
      aBatchStride: m * k,
      b,
      cPtr,
      ldc: n,
      cBatchStride: m * n,
      alpha: call.alpha,
      accumulate: call.accumulate,
      splitM: splitAlongM(call, nthreads, this.mr, this.nr),
      scratchPtr: this.scratchPtr,
      scratchStride: this.scratchStride,
      blocking: this.blocking,
      alwaysPack: this.alwaysPack,
    });
    const own = () => {
      this.lastCall.packedPanels = this.exports.gemmThread(jobPtr, 0, nthreads);
    };
    try {
      if (nthreads > 1 && this.pool) this.pool.run(jobPtr, nthreads, own);
      else own();
    } catch (cause) {
      if (cause instanceof WasmBackendError) throw cause;
      throw new WasmBackendError(`wasm GEMM failed: the calling thread trapped (${String(cause)})`, {
        cause,
      });
    }
  }

  /** What the elementwise kernels (src/elementwise-run.ts) run on: the module's exports, the pool, this arena. */
  elementwiseHost(): ElementwiseHost {
    return {
      exports: this.exports as unknown as WebAssembly.Exports,
      pool: this.pool,
      arena: (bytes) => this.arena(bytes),
    };
  }

  async dispose(): Promise<void> {
    await this.stopThreads();
  }

  private get mr(): number {
    return this.exports.MR.value as number;
  }

  private get nr(): number {
    return this.exports.NR.value as number;
  }

  private get packerF32(): number {
    return globalValue(this.exports as unknown as WebAssembly.Exports, 'PACK_B_F32');
  }

  /** Threads for a product of 2·batch·M·N·K flops plus `extraFlops` of other work (dequantizing B). */
  private threadsFor(call: { batch: number; m: number; n: number; k: number }, extraFlops: number): number {
    if (!this.pool || 2 * call.batch * call.m * call.n * call.k + extraFlops < PARALLEL_MIN_FLOPS) return 1;
    const units = call.batch * Math.max(Math.ceil(call.m / this.mr), Math.ceil(call.n / this.nr));
    return Math.min(this.pool.size, units);
  }

  /** Per-call staging area (job + copied operands), reused and grown by half again when too small. */
  private arena(bytes: number): number {
    if (bytes > this.arenaBytes) {
      if (this.arenaBytes > 0) this.heap.release(this.arenaPtr);
      this.arenaBytes = Math.max(bytes, Math.ceil((this.arenaBytes * 1.5) / WASM_PAGE) * WASM_PAGE);
      this.arenaPtr = this.heap.alloc(this.arenaBytes);
    }
    return this.arenaPtr;
  }
}

/**
 * Threads duplicate the packing of the operand they do not split: splitting N repacks A (M·K) per thread,
 * splitting M repacks B (K·N); split the larger of M and N, unless it has too few panels to go round.
 */
function splitAlongM(
  call: { batch: number; m: number; n: number },
  nthreads: number,
  mr: number,
  nr: number,
): boolean {
  if (nthreads < 2 || call.batch >= nthreads) return false;
  const panelsM = call.batch * Math.ceil(call.m / mr);
  const panelsN = call.batch * Math.ceil(call.n / nr);
  if (call.m > call.n) return panelsM >= nthreads || panelsM > panelsN;
  return panelsN < nthreads && panelsM > panelsN;
}

function resolveBlocking(exports: WebAssembly.Exports, given: Partial<Blocking> = {}): Blocking {
  const blocking = {
    mc: given.mc ?? globalValue(exports, 'MC'),
    kc: given.kc ?? globalValue(exports, 'KC'),
    nc: given.nc ?? globalValue(exports, 'NC'),
  };
  for (const [key, value] of Object.entries(blocking)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new WasmBackendError(`wasm backend: blocking.${key} expected a positive integer, got ${value}`);
    }
  }
  return blocking;
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

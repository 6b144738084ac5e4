// The GEMM job descriptor as the TypeScript side writes it; the word indices come from the wasm module's
// exported globals (assembly/job.ts), so the layout is defined in one place.
import { WasmBackendError } from './errors.js';

const FIELDS = [
  'JOB_BATCH',
  'JOB_M',
  'JOB_N',
  'JOB_K',
  'JOB_A_PTR',
  'JOB_A_RS',
  'JOB_A_CS',
  'JOB_A_BATCH_STRIDE',
  'JOB_B_PACKER',
  'JOB_B_PTR',
  'JOB_B_RS',
  'JOB_B_CS',
  'JOB_B_BATCH_STRIDE',
  'JOB_B_AUX0',
  'JOB_B_AUX1',
  'JOB_B_AUX2',
  'JOB_B_AUX3',
  'JOB_C_PTR',
  'JOB_C_LD',
  'JOB_C_BATCH_STRIDE',
  'JOB_ALPHA',
  'JOB_ACCUMULATE',
  'JOB_SPLIT_M',
  'JOB_SCRATCH_PTR',
  'JOB_SCRATCH_STRIDE',
  'JOB_MC',
  'JOB_KC',
  'JOB_NC',
  'JOB_ALWAYS_PACK',
] as const;

type FieldName = (typeof FIELDS)[number];
export type JobLayout = Record<FieldName, number> & { words: number };

/** The exports of the kernel module that the TypeScript side uses. */
export interface KernelExports {
  /** returns the number of panels this thread packed */
  gemmThread(job: number, tid: number, nthreads: number): number;
  scratchBytes(mc: number, kc: number, nc: number): number;
  MR: WebAssembly.Global;
  NR: WebAssembly.Global;
  PACK_B_F32: WebAssembly.Global;
  PACK_B_NF4: WebAssembly.Global;
}

/** A B operand as the packer sees it: which packer, and the fields it reads (pointer, strides, aux words). */
export interface BOperand {
  packer: number;
  ptr: number;
  rs: number;
  cs: number;
  batchStride: number;
  aux?: readonly number[];
}

export interface GemmJob {
  batch: number;
  m: number;
  n: number;
  k: number;
  aPtr: number;
  aRs: number;
  aCs: number;
  aBatchStride: number;
  b: BOperand;
  cPtr: number;
  ldc: number;
  cBatchStride: number;
  alpha: number;
  accumulate: boolean;
  splitM: boolean;
  scratchPtr: number;
  scratchStride: number;
  blocking: Blocking;
  alwaysPack: boolean;
}

/** Cache blocking: rows of A (mc), depth (kc) and columns of B (nc) packed at once. */
export interface Blocking {
  mc: number;
  kc: number;
  nc: number;
}

export function readJobLayout(exports: WebAssembly.Exports): JobLayout {
  const layout = { words: globalValue(exports, 'JOB_WORDS') } as JobLayout;
  for (const name of FIELDS) layout[name] = globalValue(exports, name);
  return layout;
}

export function globalValue(exports: WebAssembly.Exports, name: string): number {
  const value = exports[name];
  if (!(value instanceof WebAssembly.Global)) {
    throw new WasmBackendError(`kernel module: expected an exported global ${name}, got ${typeof value}`);
  }
  return value.value as number;
}

/** Write `job` at byte address `ptr` through the memory's current buffer. */
export function writeJob(memory: WebAssembly.Memory, ptr: number, layout: JobLayout, job: GemmJob): void {
  const words = new Int32Array(memory.buffer, ptr, layout.words);
  const floats = new Float32Array(memory.buffer, ptr, layout.words);
  words.fill(0);
  words[layout.JOB_BATCH] = job.batch;
  words[layout.JOB_M] = job.m;
  words[layout.JOB_N] = job.n;
  words[layout.JOB_K] = job.k;
  words[layout.JOB_A_PTR] = job.aPtr;
  words[layout.JOB_A_RS] = job.aRs;
  words[layout.JOB_A_CS] = job.aCs;
  words[layout.JOB_A_BATCH_STRIDE] = job.aBatchStride;
  words[layout.JOB_B_PACKER] = job.b.packer;
  words[layout.JOB_B_PTR] = job.b.ptr;
  words[layout.JOB_B_RS] = job.b.rs;
  words[layout.JOB_B_CS] = job.b.cs;
  words[layout.JOB_B_BATCH_STRIDE] = job.b.batchStride;
  const aux = [layout.JOB_B_AUX0, layout.JOB_B_AUX1, layout.JOB_B_AUX2, layout.JOB_B_AUX3];
  job.b.aux?.forEach((value, i) => {
    if (i < aux.length) words[aux[i]!] = value;
  });
  words[layout.JOB_C_PTR] = job.cPtr;
  words[layout.JOB_C_LD] = job.ldc;
  words[layout.JOB_C_BATCH_STRIDE] = job.cBatchStride;
  floats[layout.JOB_ALPHA] = job.alpha;
  words[layout.JOB_ACCUMULATE] = job.accumulate ? 1 : 0;
  words[layout.JOB_SPLIT_M] = job.splitM ? 1 : 0;
  words[layout.JOB_SCRATCH_PTR] = job.scratchPtr;
  words[layout.JOB_SCRATCH_STRIDE] = job.scratchStride;
  words[layout.JOB_MC] = job.blocking.mc;
  words[layout.JOB_KC] = job.blocking.kc;
  words[layout.JOB_NC] = job.blocking.nc;
  words[layout.JOB_ALWAYS_PACK] = job.alwaysPack ? 1 : 0;
}

// The GEMM job descriptor: i32 words that the TypeScript side writes into wasm memory before a call.
// Each index is exported as a wasm global, so src/job.ts reads this layout instead of repeating it.

/** number of independent products (1 for matmul) */
export const JOB_BATCH: i32 = 0;
export const JOB_M: i32 = 1;
export const JOB_N: i32 = 2;
export const JOB_K: i32 = 3;
/** A(i, p) = a[i * rs + p * cs]: row-major A has rs = K, cs = 1; transA has rs = 1, cs = M */
export const JOB_A_PTR: i32 = 4;
export const JOB_A_RS: i32 = 5;
export const JOB_A_CS: i32 = 6;
/** elements between consecutive A matrices of a batch */
export const JOB_A_BATCH_STRIDE: i32 = 7;
/** which B packer fills the panels (PACK_B_* in pack-b.ts); the fields below are that packer's to read */
export const JOB_B_PACKER: i32 = 8;
/** for PACK_B_F32: B(p, j) = b[p * rs + j * cs]; row-major B has rs = N, cs = 1; transB has rs = 1, cs = K */
export const JOB_B_PTR: i32 = 9;
export const JOB_B_RS: i32 = 10;
export const JOB_B_CS: i32 = 11;
export const JOB_B_BATCH_STRIDE: i32 = 12;
/** free for other packers (e.g. NF4: absmax pointer, block size, code table) */
export const JOB_B_AUX0: i32 = 13;
export const JOB_B_AUX1: i32 = 14;
export const JOB_B_AUX2: i32 = 15;
export const JOB_B_AUX3: i32 = 16;
export const JOB_C_PTR: i32 = 17;
export const JOB_C_LD: i32 = 18;
export const JOB_C_BATCH_STRIDE: i32 = 19;
/** f32 bits */
export const JOB_ALPHA: i32 = 20;
/** 1: out += alpha·A·B, 0: out = alpha·A·B */
export const JOB_ACCUMULATE: i32 = 21;
/** 0: threads split the N panels, 1: the M panels */
export const JOB_SPLIT_M: i32 = 22;
/** start of the per-thread scratch (packed A block, packed B block, edge tile) */
export const JOB_SCRATCH_PTR: i32 = 23;
export const JOB_SCRATCH_STRIDE: i32 = 24;
/** cache blocking (see gemm.ts): rows of A, depth and columns of B packed at once; scratch is sized for them */
export const JOB_MC: i32 = 25;
export const JOB_KC: i32 = 26;
export const JOB_NC: i32 = 27;
/** 1: always pack both operands (for tuning and tests; 0 lets thin products read one in place, see gemm.ts) */
export const JOB_ALWAYS_PACK: i32 = 28;
/**
 * What runThread runs: 0 (JOB_KIND_GEMM, what a zero-filled header says) is gemmThread over the fields above;
 * other kinds are the elementwise kernels (EW_* in elementwise/kinds.ts), whose arguments follow at JOB_ARGS
 */
export const JOB_KIND: i32 = 29;
export const JOB_KIND_GEMM: i32 = 0;
/** first of JOB_ARG_WORDS words of an elementwise kernel's arguments (i32, f32, or f64 over two words) */
export const JOB_ARGS: i32 = 30;
export const JOB_ARG_WORDS: i32 = 24;
export const JOB_WORDS: i32 = 54;

export function jobI32(job: usize, field: i32): i32 {
  return load<i32>(job + ((<usize>field) << 2));
}

export function jobF32(job: usize, field: i32): f32 {
  return load<f32>(job + ((<usize>field) << 2));
}

/** byte address of element `index` of the f32 array at byte address `base` */
export function f32At(base: usize, index: usize): usize {
  return base + (index << 2);
}

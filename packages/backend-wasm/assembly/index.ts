// The wasm module's exports: the GEMM entry point, its block sizes and the job layout (read by src/job.ts); the
// elementwise kernels' thread entry, job kinds and job words (read by src/elementwise-job.ts).
export { gemmThread, scratchBytes, MC, KC, NC } from './gemm';
export { MR, NR } from './microkernel';
export { PACK_B_F32, PACK_B_NF4 } from './pack-b';
export { NF4_DOT_MAX_ROWS } from './nf4-dot';
export { SCALES_BYTES, SCALES_NESTED, SCALES_PLAIN } from './nf4-scales';
export {
  JOB_BATCH,
  JOB_M,
  JOB_N,
  JOB_K,
  JOB_A_PTR,
  JOB_A_RS,
  JOB_A_CS,
  JOB_A_BATCH_STRIDE,
  JOB_B_PACKER,
  JOB_B_PTR,
  JOB_B_RS,
  JOB_B_CS,
  JOB_B_BATCH_STRIDE,
  JOB_B_AUX0,
  JOB_B_AUX1,
  JOB_B_AUX2,
  JOB_B_AUX3,
  JOB_C_PTR,
  JOB_C_LD,
  JOB_C_BATCH_STRIDE,
  JOB_ALPHA,
  JOB_ACCUMULATE,
  JOB_SPLIT_M,
  JOB_SCRATCH_PTR,
  JOB_SCRATCH_STRIDE,
  JOB_MC,
  JOB_KC,
  JOB_NC,
  JOB_ALWAYS_PACK,
  JOB_KIND,
  JOB_ARGS,
  JOB_ARG_WORDS,
  JOB_WORDS,
} from './job';
export { runThread } from './elementwise/dispatch';
export * from './elementwise/kinds';
export { MATH_EXP, MATH_SIGMOID } from './elementwise/math';
export { STAT_CHUNK } from './elementwise/grad-stats';
export { CAUSAL_ROW_GROUP } from './elementwise/causal-softmax';

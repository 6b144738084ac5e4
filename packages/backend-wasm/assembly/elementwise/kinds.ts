// The elementwise job kinds: the JOB_KIND word that runThread (dispatch.ts) switches on. 0 is the GEMM
// (JOB_KIND_GEMM in ../job.ts). Exported as wasm globals, so src/elementwise-job.ts reads them instead of
// repeating them.

export const EW_SILU: i32 = 1;
export const EW_SILU_BACKWARD: i32 = 2;
export const EW_GELU_TANH: i32 = 3;
export const EW_GELU_TANH_BACKWARD: i32 = 4;
export const EW_SOFTMAX: i32 = 5;
export const EW_SOFTMAX_BACKWARD: i32 = 6;
export const EW_RMSNORM: i32 = 7;
export const EW_RMSNORM_BACKWARD: i32 = 8;
export const EW_LAYERNORM: i32 = 9;
export const EW_LAYERNORM_BACKWARD: i32 = 10;
export const EW_ROPE: i32 = 11;
export const EW_CROSS_ENTROPY: i32 = 12;
export const EW_CROSS_ENTROPY_BACKWARD: i32 = 13;
export const EW_EMBEDDING: i32 = 14;
export const EW_EMBEDDING_BACKWARD: i32 = 15;
export const EW_ADAMW: i32 = 16;
/** the vector math functions over an array, for the accuracy tests (math.ts) */
export const EW_MATH: i32 = 17;

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
// the per-step arithmetic (fill-copy.ts, arith.ts, random.ts, causal-softmax.ts, loss-stats.ts, grad-stats.ts,
// dequantize-absmax.ts)
export const EW_FILL: i32 = 18;
export const EW_STRIDED_COPY: i32 = 19;
export const EW_ADD: i32 = 20;
export const EW_MUL: i32 = 21;
export const EW_AXPY: i32 = 22;
export const EW_SCALE: i32 = 23;
export const EW_ADD_BIAS: i32 = 24;
export const EW_COLUMN_SUMS: i32 = 25;
export const EW_DROPOUT: i32 = 26;
export const EW_UNIFORM_NOISE: i32 = 27;
export const EW_CAUSAL_SOFTMAX: i32 = 28;
export const EW_ARGMAX_CHUNK: i32 = 29;
export const EW_CROSS_ENTROPY_STATS: i32 = 30;
export const EW_SUM_SQUARES: i32 = 31;
export const EW_COUNT_NON_FINITE: i32 = 32;
export const EW_DEQUANTIZE_ABSMAX: i32 = 33;
/** the optimizers besides AdamW (sgd.ts, adamw8bit.ts) */
export const EW_SGD: i32 = 34;
export const EW_ADAMW8BIT: i32 = 35;
/** tanh soft-capping and its gradient (softcap.ts) */
export const EW_SOFTCAP: i32 = 36;
export const EW_SOFTCAP_BACKWARD: i32 = 37;
/** blockwise 4-bit quantization of a tensor as it loads (quantize-4bit.ts) */
export const EW_QUANTIZE_4BIT: i32 = 38;

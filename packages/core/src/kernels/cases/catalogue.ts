// The kernel case catalogue: every kernel at tiny, odd (not multiples of 4/8), model-sized and >1000 shapes, with its
// edge values, in cases/<name>.ts beside reference/<name>.ts. Every backend's tests and the conformance suite run them.
import { HOST_KERNEL_NAMES, KERNEL_NAMES, type KernelName } from '../types.js';
import { ACTIVATION_CASES } from './activations.js';
import { ADAMW_CASES } from './adamw.js';
import { ADAMW8BIT_CASES } from './adamw8bit.js';
import type { KernelCase } from './case-list.js';
import { CAUSAL_SOFTMAX_CASES } from './causal-softmax.js';
import { CROSS_ENTROPY_CASES } from './cross-entropy.js';
import { DEQUANTIZE_ABSMAX_CASES } from './dequantize-absmax.js';
import { ELEMENTWISE_CASES } from './elementwise.js';
import { EMBEDDING_CASES } from './embedding.js';
import { FILL_COPY_CASES } from './fill-copy.js';
import { GRAD_STATS_CASES } from './grad-stats.js';
import { LAYERNORM_CASES } from './layernorm.js';
import { LOSS_STATS_CASES } from './loss-stats.js';
import { MATMUL_CASES } from './matmul.js';
import { NF4_MATMUL_CASES } from './nf4-matmul.js';
import { QUANTIZE_4BIT_CASES } from './quantize-4bit.js';
import { RANDOM_CASES } from './random.js';
import { RMSNORM_CASES } from './rmsnorm.js';
import { ROPE_CASES } from './rope.js';
import { SGD_CASES } from './sgd.js';
import { SOFTCAP_CASES } from './softcap.js';
import { SOFTMAX_CASES } from './softmax.js';

/** Every case of every kernel. */
export const KERNEL_CASES: readonly KernelCase[] = [
  ...MATMUL_CASES,
  ...NF4_MATMUL_CASES,
  ...SOFTMAX_CASES,
  ...RMSNORM_CASES,
  ...LAYERNORM_CASES,
  ...CROSS_ENTROPY_CASES,
  ...ROPE_CASES,
  ...ACTIVATION_CASES,
  ...SOFTCAP_CASES,
  ...EMBEDDING_CASES,
  ...ADAMW_CASES,
  ...SGD_CASES,
  ...ADAMW8BIT_CASES,
  ...FILL_COPY_CASES,
  ...ELEMENTWISE_CASES,
  ...RANDOM_CASES,
  ...CAUSAL_SOFTMAX_CASES,
  ...LOSS_STATS_CASES,
  ...GRAD_STATS_CASES,
  ...DEQUANTIZE_ABSMAX_CASES,
  ...QUANTIZE_4BIT_CASES,
];

/** The cases of one kernel (every kernel in KERNEL_NAMES and HOST_KERNEL_NAMES has some). */
export function casesFor(kernel: KernelName): KernelCase[] {
  return KERNEL_CASES.filter((c) => c.kernel === kernel);
}

/** Kernels of KERNEL_NAMES or HOST_KERNEL_NAMES that have no case (the catalogue's own test keeps this empty). */
export const KERNELS_WITHOUT_CASES: readonly KernelName[] = [...KERNEL_NAMES, ...HOST_KERNEL_NAMES].filter(
  (k) => casesFor(k).length === 0,
);

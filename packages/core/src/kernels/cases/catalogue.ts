// The kernel case catalogue: every kernel at tiny, odd (not multiples of 4/8), model-sized and >1000 shapes, with
// its edge values, one file per kernel family. Every backend's tests and the conformance suite run these.
import { KERNEL_NAMES, type KernelName } from '../types.js';
import type { KernelCase } from './case-list.js';
import { ELEMENTWISE_CASES } from './elementwise.js';
import { GEMM_CASES } from './gemm.js';
import { NF4_MATMUL_CASES } from './nf4-matmul.js';
import { NORM_CASES } from './norm.js';
import { STEP_CASES } from './step.js';

/** Every case of every kernel. */
export const KERNEL_CASES: readonly KernelCase[] = [
  ...GEMM_CASES,
  ...NF4_MATMUL_CASES,
  ...NORM_CASES,
  ...ELEMENTWISE_CASES,
  ...STEP_CASES,
];

/** The cases of one kernel (every kernel in KERNEL_NAMES has some). */
export function casesFor(kernel: KernelName): KernelCase[] {
  return KERNEL_CASES.filter((c) => c.kernel === kernel);
}

/** Kernels of KERNEL_NAMES that have no case (the catalogue's own test keeps this empty). */
export const KERNELS_WITHOUT_CASES: readonly KernelName[] = KERNEL_NAMES.filter(
  (k) => casesFor(k).length === 0,
);

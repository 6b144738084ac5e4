// The conformance cases: every kernel at tiny, odd (not multiples of 4/8), model-sized and >1000 shapes, one file
// per kernel family.
import { KERNEL_NAMES, type KernelName } from '@lora/core';
import type { ConformanceCase } from './case-list.js';
import { ELEMENTWISE_CASES } from './cases-elementwise.js';
import { GEMM_CASES } from './cases-gemm.js';
import { NORM_CASES } from './cases-norm.js';
import { STEP_CASES } from './cases-step.js';

export type { ConformanceCase } from './case-list.js';

export const CASES: readonly ConformanceCase[] = [
  ...GEMM_CASES,
  ...NORM_CASES,
  ...ELEMENTWISE_CASES,
  ...STEP_CASES,
];

/** The cases of one kernel (every kernel in KERNEL_NAMES has some). */
export function casesFor(kernel: KernelName): ConformanceCase[] {
  return CASES.filter((c) => c.kernel === kernel);
}

export const KERNELS_WITHOUT_CASES: readonly KernelName[] = KERNEL_NAMES.filter(
  (k) => casesFor(k).length === 0,
);

// One conformance case, and the seeded list each kernel family's cases are added to.
import type { KernelName, KernelSignatures } from '@lora/core';
import { type Rng, rngFor } from './inputs.js';
import { type GemmKernel, type KernelTolerance, OUTPUT_TOLERANCES } from './tolerances.js';

type Args<K extends KernelName> = Parameters<KernelSignatures[K]>[0];

export interface ConformanceCase {
  kernel: KernelName;
  name: string;
  /** fresh, seeded arguments on every call */
  args: () => Record<string, unknown>;
  /** the arguments the kernel writes, with their tolerance (an absent optional argument is skipped) */
  tolerances: Record<string, KernelTolerance>;
}

export interface CaseList {
  cases: ConformanceCase[];
  /**
   * Add a case: `build` makes its arguments from a generator seeded by kernel and name; `tolerances` default to
   * the kernel's OUTPUT_TOLERANCES (GEMM kernels must give theirs).
   */
  add<K extends KernelName>(
    kernel: K,
    name: string,
    build: (rng: Rng) => Args<K>,
    tolerances?: Record<string, KernelTolerance>,
  ): void;
}

export function caseList(): CaseList {
  const cases: ConformanceCase[] = [];
  return {
    cases,
    add(kernel, name, build, tolerances) {
      const tol = tolerances ?? OUTPUT_TOLERANCES[kernel as Exclude<KernelName, GemmKernel>];
      cases.push({
        kernel,
        name,
        args: () => build(rngFor(`${kernel} ${name}`)) as unknown as Record<string, unknown>,
        tolerances: tol,
      });
    },
  };
}

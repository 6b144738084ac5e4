// One kernel case (seeded arguments and the tolerance of each output), and the list each kernel family adds to.
import type { KernelName, KernelSignatures } from '../types.js';
import { type Rng, rngFor } from './inputs.js';
import { type GemmKernel, type KernelTolerance, OUTPUT_TOLERANCES } from './tolerances.js';

type Args<K extends KernelName> = Parameters<KernelSignatures[K]>[0];

/** One case of a kernel: every backend's tests and the conformance suite run it against the reference. */
export interface KernelCase {
  kernel: KernelName;
  name: string;
  /** fresh, seeded arguments on every call */
  args: () => Record<string, unknown>;
  /** the arguments the kernel writes, with their tolerance (an absent optional argument is skipped) */
  tolerances: Record<string, KernelTolerance>;
}

/** A kernel family's cases as they are added (`caseList()`). */
export interface CaseList {
  cases: KernelCase[];
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

/** An empty list to add a family's cases to. */
export function caseList(): CaseList {
  const cases: KernelCase[] = [];
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

// The core kernel case catalogue as gpu.js' host-kernel tests run it (in Node and in the browser page): every case of
// each gpu.js kernel whose arguments are small — gpu.js compiles one kernel per shape, slowly on its cpu mode — and
// every case named for a GPU limit (outputs past one texture row) where `limits` is set. No test-only imports: a
// browser page bundles it.
import { casesFor, type KernelCase, resolveTolerance } from '@lora/core';
import { GPUJS_KERNEL_NAMES } from '../backend.js';

/** Arguments of at most this many elements in all. */
export const SMALL_CASE_ELEMENTS = 5000;

function argumentElements(args: Record<string, unknown>): number {
  let n = 0;
  for (const value of Object.values(args)) if (ArrayBuffer.isView(value)) n += (value as Float32Array).length;
  return n;
}

/** The cases the host kernels run: the small ones, and with `limits` the texture-row ones. */
export function hostCases(limits = false): KernelCase[] {
  return GPUJS_KERNEL_NAMES.flatMap((name) =>
    casesFor(name).filter(
      (c) => argumentElements(c.args()) <= SMALL_CASE_ELEMENTS || (limits && c.name.includes('texture row')),
    ),
  );
}

/** How far `got` is from `expected` over the case's outputs: the largest |diff| / (atol + rtol·|expected|), ≤ 1 passes. */
export function worstRatio(
  c: KernelCase,
  got: Record<string, unknown>,
  expected: Record<string, unknown>,
): { worst: number; maxAbsDiff: number } {
  let [worst, maxAbsDiff] = [0, 0];
  for (const [name, tolerance] of Object.entries(c.tolerances)) {
    const a = got[name] as Float32Array | undefined;
    const e = expected[name] as Float32Array | undefined;
    if (!a || !e) continue; // an optional output this case leaves out
    const { rtol, atol } = resolveTolerance(tolerance, e);
    for (let i = 0; i < e.length; i++) {
      if (Object.is(a[i], e[i])) continue; // equal, ±Infinity and NaN included
      const d = Math.abs(a[i]! - e[i]!);
      const ratio = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d / (atol + rtol * Math.abs(e[i]!));
      if (d > maxAbsDiff) maxAbsDiff = d;
      if (ratio > worst) worst = ratio;
    }
  }
  return { worst, maxAbsDiff };
}

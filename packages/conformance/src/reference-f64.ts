// A trivially-wrapped backend: the reference kernels run on float64 copies of every Float32Array argument.
import {
  type HostKernelSignatures,
  KERNEL_NAMES,
  type KernelName,
  referenceKernels,
  registerBackend,
  registerHostKernel,
} from '@lora/core';

export const REFERENCE_F64_BACKEND = 'reference-f64';

/**
 * Wraps a kernel so it sees float64 copies of its Float32Array arguments, then writes every copy back
 * (unchanged inputs round-trip exactly; aliased arguments share one copy, so `out === x` still works).
 */
export function promoteToFloat64<K extends KernelName>(
  impl: HostKernelSignatures[K],
): HostKernelSignatures[K] {
  const run = impl as unknown as (args: Record<string, unknown>) => void;
  const wrapped = (args: Record<string, unknown>): void => {
    const copies = new Map<Float32Array, Float64Array>();
    const promoted: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(args)) {
      if (value instanceof Float32Array) {
        let copy = copies.get(value);
        if (!copy) copies.set(value, (copy = Float64Array.from(value)));
        promoted[key] = copy;
      } else {
        promoted[key] = value;
      }
    }
    run(promoted);
    for (const [original, copy] of copies) original.set(copy);
  };
  return wrapped as unknown as HostKernelSignatures[K];
}

/**
 * Registers "reference-f64" (priority −1, never chosen automatically). It keeps the conformance suite from
 * being empty on a machine with no other backend, exercises the registry plumbing end to end, and checks that
 * the reference kernels are precision-agnostic and their float32 results within tolerance of float64 ones.
 */
export async function registerReferenceF64Backend(): Promise<void> {
  registerBackend({
    name: REFERENCE_F64_BACKEND,
    priority: -1,
    isAvailable: () => true,
    describe: () => 'reference kernels on float64 copies',
  });
  for (const name of KERNEL_NAMES) {
    registerHostKernel({
      name,
      backend: REFERENCE_F64_BACKEND,
      impl: promoteToFloat64<typeof name>(referenceKernels[name]),
    });
  }
}

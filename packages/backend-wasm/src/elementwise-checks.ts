// Operand checks of the elementwise kernels, on top of @lora/core's (same KernelArgumentError, same messages as
// the reference for dims and lengths): operands must also be the typed arrays the wasm side reads as bytes.
import { checkLength, KernelArgumentError } from '@lora/core';

/** At least `min` elements, and a Float32Array. */
export function checkF32(kernel: string, label: string, array: unknown, min: number): void {
  checkTyped(kernel, label, array, min, Float32Array);
}

/** At least `min` elements, and an Int32Array. */
export function checkI32(kernel: string, label: string, array: unknown, min: number): void {
  checkTyped(kernel, label, array, min, Int32Array);
}

function checkTyped(
  kernel: string,
  label: string,
  array: unknown,
  min: number,
  type: typeof Float32Array | typeof Int32Array,
): void {
  checkLength(kernel, label, array as { length: number } | undefined, min);
  if (!(array instanceof type)) {
    const got = (array as object).constructor?.name ?? typeof array;
    throw new KernelArgumentError(`${kernel}: ${label} expected a ${type.name}, got ${got}`);
  }
}

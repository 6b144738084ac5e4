// Operand checks of the elementwise kernels, on top of @lora/core's (same KernelArgumentError, same messages as
// the reference for dims and lengths): operands must also be the typed arrays the wasm side reads as bytes.
import { checkLength, KernelArgumentError } from '@lora/core';

type TypedArrayClass = typeof Float32Array | typeof Int32Array | typeof Uint8Array;

/** At least `min` elements, and a Float32Array. */
export function checkF32(kernel: string, label: string, array: unknown, min: number): void {
  checkTyped(kernel, label, array, min, [Float32Array]);
}

/** At least `min` elements, and an Int32Array. */
export function checkI32(kernel: string, label: string, array: unknown, min: number): void {
  checkTyped(kernel, label, array, min, [Int32Array]);
}

/** At least `min` elements, and a Uint8Array. */
export function checkU8(kernel: string, label: string, array: unknown, min: number): void {
  checkTyped(kernel, label, array, min, [Uint8Array]);
}

/** At least `min` elements, and a Float32Array or an Int32Array (fill's x). */
export function checkF32OrI32(kernel: string, label: string, array: unknown, min: number): void {
  checkTyped(kernel, label, array, min, [Float32Array, Int32Array]);
}

function checkTyped(
  kernel: string,
  label: string,
  array: unknown,
  min: number,
  types: readonly TypedArrayClass[],
): void {
  checkLength(kernel, label, array as { length: number } | undefined, min);
  if (!types.some((type) => array instanceof type)) {
    const got = (array as object).constructor?.name ?? typeof array;
    const want = types.map((type) => `${type === Int32Array ? 'an' : 'a'} ${type.name}`).join(' or ');
    throw new KernelArgumentError(`${kernel}: ${label} expected ${want}, got ${got}`);
  }
}

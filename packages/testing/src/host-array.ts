// Tests on the host backends read device arrays directly: there an F32 is a Float32Array (or a Float64Array in
// gradient checks). These assert that, instead of a cast that would hide a GPU array reaching a host-only test.

/** `array` as the Float32Array it is on a host backend; throws when it is not a Float32Array. */
export function hostF32(array: { readonly length: number }): Float32Array {
  if (!(array instanceof Float32Array)) throw new Error(`expected a Float32Array (a host device array), got ${describe(array)}`);
  return array;
}

/** `array` as the Float64Array it is in a float64 gradient check; throws when it is not one. */
export function hostF64(array: { readonly length: number }): Float64Array {
  if (!(array instanceof Float64Array)) throw new Error(`expected a Float64Array, got ${describe(array)}`);
  return array;
}

function describe(array: unknown): string {
  return (array as { constructor?: { name?: string } })?.constructor?.name ?? String(array);
}

// What gpu.js uploads: exactly the elements a kernel reads, as f32.

/** The first `n` elements as an f32 array gpu.js can upload (Int32Array ids become exact floats below 2^24). */
export function head(array: Float32Array | Int32Array, n: number): Float32Array {
  if (array instanceof Float32Array) return array.length === n ? array : array.subarray(0, n);
  return Float32Array.from(array.subarray(0, n));
}

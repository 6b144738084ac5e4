// Buffer helpers: new arrays take the element type of an input, so layers run unchanged on Float64Array data
// (the reference kernels do) and gradient checks see float64 end to end.

/** A zeroed array of `n` elements of the same type as `like` (Float32Array, or Float64Array in gradient checks). */
export function alloc(like: Float32Array, n: number): Float32Array {
  return new (like.constructor as Float32ArrayConstructor)(n);
}

/** y += x, elementwise over the first `n` elements. */
export function addInto(y: Float32Array, x: Float32Array, n = y.length): void {
  for (let i = 0; i < n; i++) y[i]! += x[i]!;
}

/** out[r, :] += bias for each of `rows` rows. */
export function addBias(out: Float32Array, bias: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) out[base + j]! += bias[j]!;
  }
}

/** grad[j] += Σ_rows dy[r, j], summed in float64 and added once. */
export function accumulateColumnSums(grad: Float32Array, dy: Float32Array, rows: number, cols: number): void {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) sums[j]! += dy[base + j]!;
  }
  for (let j = 0; j < cols; j++) grad[j]! += sums[j]!;
}

/** (A, B, C, D) → (A, C, B, D): swaps the two middle dims, e.g. (B, T, H, D) ↔ (B, H, T, D). */
export function swapMiddle(
  src: Float32Array,
  a: number,
  b: number,
  c: number,
  d: number,
  dst = alloc(src, a * b * c * d),
): Float32Array {
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      for (let k = 0; k < c; k++) {
        const from = ((i * b + j) * c + k) * d;
        const to = ((i * c + k) * b + j) * d;
        for (let e = 0; e < d; e++) dst[to + e] = src[from + e]!;
      }
    }
  }
  return dst;
}

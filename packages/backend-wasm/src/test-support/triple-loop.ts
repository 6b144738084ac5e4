// The test oracle: a plain triple loop over op(A)·op(B) with float64 sums, independent of the wasm code.

export interface TripleLoopArgs {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  /** starting values (used when accumulate) */
  out: ArrayLike<number>;
  batch?: number;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  accumulate?: boolean;
}

/** out (batch, M, N) = alpha · op(A) · op(B) [+ out], returned as float64 */
export function tripleLoop(args: TripleLoopArgs): Float64Array {
  const { a, b, m, n, k } = args;
  const batch = args.batch ?? 1;
  const alpha = args.alpha ?? 1;
  const result = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const aOff = t * m * k;
    const bOff = t * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = args.transA ? a[aOff + p * m + i]! : a[aOff + i * k + p]!;
          const bv = args.transB ? b[bOff + j * k + p]! : b[bOff + p * n + j]!;
          sum += av * bv;
        }
        const o = t * m * n + i * n + j;
        result[o] = alpha * sum + (args.accumulate ? args.out[o]! : 0);
      }
    }
  }
  return result;
}

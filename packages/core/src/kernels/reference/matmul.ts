// Reference GEMM, BLAS sgemm semantics with beta ∈ {0, 1} (llm.c matmul_forward_naive): out = alpha·op(A)·op(B) [+ out].
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkFinite, checkLength } from '../check.js';
import type { MatmulArgs } from '../types.js';

/** Checks dims and buffer sizes of a (batched) matmul call. */
export function checkMatmulArgs(kernel: string, args: MatmulArgs, batch: number): void {
  const { m, n, k } = args;
  checkDims(kernel, { batch, m, n, k });
  checkLength(kernel, args.transA ? 'a (K, M)' : 'a (M, K)', args.a, batch * m * k);
  checkLength(kernel, args.transB ? 'b (N, K)' : 'b (K, N)', args.b, batch * k * n);
  checkLength(kernel, 'out (M, N)', args.out, batch * m * n);
  if (args.alpha !== undefined) checkFinite(kernel, 'alpha', args.alpha);
}

/** Float64 scratch rows for gemmAt: one row of op(A) (K) and one row of sums (N). */
export interface GemmScratch {
  aRow: Float64Array;
  sums: Float64Array;
}

export function gemmScratch(args: HostArgs<MatmulArgs>): GemmScratch {
  return { aRow: new Float64Array(args.transB ? args.k : 0), sums: new Float64Array(args.n) };
}

/**
 * One GEMM on the matrices that start at the given offsets; sums are kept in JS numbers (float64) and each
 * output is rounded once, so the same code is the f32 oracle and runs unchanged on Float64Array data.
 */
export function gemmAt(
  args: HostArgs<MatmulArgs>,
  aOff: number,
  bOff: number,
  outOff: number,
  scratch: GemmScratch,
): void {
  const { a, b, out, m, n, k } = args;
  const transA = args.transA ?? false;
  const transB = args.transB ?? false;
  const alpha = args.alpha ?? 1;
  const accumulate = args.accumulate ?? false;
  const { aRow, sums } = scratch;
  for (let i = 0; i < m; i++) {
    const o = outOff + i * n; // row i of out (N)
    if (transB) {
      // out[i, j] = <row i of op(A), row j of B>: B is (N, K), so both are read along K; op(A)'s row is
      // first copied into a float64 row, which keeps the inner loop on one array type
      for (let p = 0; p < k; p++) aRow[p] = transA ? a[aOff + p * m + i]! : a[aOff + i * k + p]!;
      for (let j = 0; j < n; j++) {
        const bBase = bOff + j * k;
        let sum = 0;
        for (let p = 0; p < k; p++) sum += aRow[p]! * b[bBase + p]!;
        out[o + j] = accumulate ? alpha * sum + out[o + j]! : alpha * sum;
      }
    } else {
      // i-k-j: add a[i, p] · row p of B (N) into a float64 row of sums
      sums.fill(0);
      for (let p = 0; p < k; p++) {
        const av = transA ? a[aOff + p * m + i]! : a[aOff + i * k + p]!;
        const bBase = bOff + p * n;
        for (let j = 0; j < n; j++) sums[j]! += av * b[bBase + j]!;
      }
      for (let j = 0; j < n; j++) {
        const v = alpha * sums[j]!;
        out[o + j] = accumulate ? v + out[o + j]! : v; // overwrite ignores whatever out held (even NaN)
      }
    }
  }
}

export function matmul(args: HostArgs<MatmulArgs>): void {
  checkMatmulArgs('matmul', args, 1);
  gemmAt(args, 0, 0, 0, gemmScratch(args));
}

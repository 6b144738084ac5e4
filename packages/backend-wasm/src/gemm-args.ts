// Checks a (batched) matmul call at the public boundary, with @lora/core's argument errors.
import {
  type HostArgs,
  type BatchedMatmulArgs,
  KernelArgumentError,
  type MatmulArgs,
  checkDims,
  checkFinite,
  checkLength,
} from '@lora/core';

/** A validated call: out (batch, M, N) = alpha · op(A) · op(B) [+ out]. */
export interface GemmCall {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  accumulate: boolean;
  a: Float32Array;
  b: Float32Array;
  out: Float32Array;
}

export function checkGemmArgs(
  kernel: string,
  args: HostArgs<MatmulArgs> | HostArgs<BatchedMatmulArgs>,
): GemmCall {
  const batch = 'batch' in args ? args.batch : 1;
  const { m, n, k } = args;
  checkDims(kernel, { batch, m, n, k });
  const transA = args.transA ?? false;
  const transB = args.transB ?? false;
  checkFloat32(kernel, transA ? 'a (K, M)' : 'a (M, K)', args.a, batch * m * k);
  checkFloat32(kernel, transB ? 'b (N, K)' : 'b (K, N)', args.b, batch * k * n);
  checkFloat32(kernel, 'out (M, N)', args.out, batch * m * n);
  const alpha = args.alpha ?? 1;
  checkFinite(kernel, 'alpha', alpha);
  return {
    batch,
    m,
    n,
    k,
    transA,
    transB,
    alpha,
    accumulate: args.accumulate ?? false,
    a: args.a,
    b: args.b,
    out: args.out,
  };
}

function checkFloat32(kernel: string, label: string, array: unknown, min: number): void {
  checkLength(kernel, label, array as { length: number } | undefined, min);
  if (!(array instanceof Float32Array)) {
    const got = (array as object).constructor?.name ?? typeof array;
    throw new KernelArgumentError(`${kernel}: ${label} expected a Float32Array, got ${got}`);
  }
}

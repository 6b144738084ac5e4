// Reference fused 4-bit dequantize-matmul, bitsandbytes layout (kDequantizeBlockwise + gemm_4bit): the oracle.
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength, KernelArgumentError } from '../check.js';
import type { Nf4MatmulArgs } from '../types.js';

const KERNEL = 'nf4Matmul';

/** Checks dims, mode, blocksize and buffer sizes of an nf4Matmul call. */
export function checkNf4MatmulArgs(args: Nf4MatmulArgs): void {
  const { m, n, k, blocksize, mode } = args;
  checkDims(KERNEL, { m, n, k });
  if (!Number.isInteger(blocksize) || blocksize <= 0) {
    throw new KernelArgumentError(`${KERNEL}: blocksize expected a positive integer, got ${blocksize}`);
  }
  if (mode !== 'forward' && mode !== 'inputGrad') {
    throw new KernelArgumentError(`${KERNEL}: mode expected 'forward' or 'inputGrad', got ${String(mode)}`);
  }
  const forward = mode === 'forward';
  checkLength(KERNEL, forward ? 'x (M, K)' : 'x = dy (M, N)', args.x, m * (forward ? k : n));
  checkLength(KERNEL, 'packed (⌈N·K/2⌉)', args.packed, Math.ceil((n * k) / 2));
  checkLength(KERNEL, 'absmax (⌈N·K/blocksize⌉)', args.absmax, Math.ceil((n * k) / blocksize));
  checkLength(KERNEL, 'code (16)', args.code, 16);
  checkLength(KERNEL, forward ? 'out (M, N)' : 'out (M, K)', args.out, m * (forward ? n : k));
}

/** Dequantizes row r of W (N, K) into `row` (K), each weight rounded to f32 as bitsandbytes stores it. */
export function dequantizeRow(args: HostArgs<Nf4MatmulArgs>, r: number, row: Float64Array): void {
  const { packed, absmax, code, blocksize, k } = args;
  for (let c = 0; c < k; c++) {
    const e = r * k + c; // flat index into (N, K)
    const byte = packed[e >> 1]!;
    const nibble = (e & 1) === 0 ? byte >> 4 : byte & 15;
    row[c] = Math.fround(code[nibble]! * absmax[Math.floor(e / blocksize)]!);
  }
}

/**
 * 'forward': out (M, N) = x (M, K) · Wᵀ; 'inputGrad': out (M, K) = dy (M, N) · W. W is dequantized one row at
 * a time and never held whole; sums are float64 and each output is rounded once, as the matmul oracle does.
 */
export function nf4Matmul(args: HostArgs<Nf4MatmulArgs>): void {
  checkNf4MatmulArgs(args);
  const { x, out, m, n, k } = args;
  const accumulate = args.accumulate ?? false;
  const row = new Float64Array(k); // (K) one dequantized row of W
  if (args.mode === 'forward') {
    for (let r = 0; r < n; r++) {
      dequantizeRow(args, r, row);
      for (let i = 0; i < m; i++) {
        const xBase = i * k; // row i of x (K)
        let sum = 0;
        for (let p = 0; p < k; p++) sum += x[xBase + p]! * row[p]!;
        const o = i * n + r;
        out[o] = accumulate ? sum + out[o]! : sum;
      }
    }
    return;
  }
  const sums = new Float64Array(m * k); // (M, K)
  for (let r = 0; r < n; r++) {
    dequantizeRow(args, r, row);
    for (let i = 0; i < m; i++) {
      const g = x[i * n + r]!; // dy[i, r]
      if (g === 0) continue;
      const sBase = i * k;
      for (let c = 0; c < k; c++) sums[sBase + c]! += g * row[c]!;
    }
  }
  for (let e = 0; e < m * k; e++) out[e] = accumulate ? sums[e]! + out[e]! : sums[e]!;
}

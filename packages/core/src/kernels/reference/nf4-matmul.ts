// Reference fused 4-bit dequantize-matmul, bitsandbytes layout (kDequantizeBlockwise + gemm_4bit): the oracle.
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkFinite, checkLength, KernelArgumentError } from '../check.js';
import type { Nf4MatmulArgs } from '../types.js';
import { dequantizeAbsmax } from './dequantize-absmax.js';

const KERNEL = 'nf4Matmul';

type Nested = NonNullable<Nf4MatmulArgs['nested']>;

/** Checks dims, mode, blocksize, the absmax form (exactly one of absmax and nested) and buffer sizes of a call. */
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
  const blocks = Math.ceil((n * k) / blocksize);
  checkLength(KERNEL, forward ? 'x (M, K)' : 'x = dy (M, N)', args.x, m * (forward ? k : n));
  checkLength(KERNEL, 'packed (⌈N·K/2⌉)', args.packed, Math.ceil((n * k) / 2));
  const hasAbsmax = args.absmax !== undefined && args.absmax !== null;
  const hasNested = args.nested !== undefined && args.nested !== null;
  if (hasAbsmax === hasNested) {
    throw new KernelArgumentError(
      `${KERNEL}: absmax or nested expected exactly one, got ${hasAbsmax ? 'both' : 'neither'}`,
    );
  }
  if (hasAbsmax) checkLength(KERNEL, 'absmax (⌈N·K/blocksize⌉)', args.absmax, blocks);
  else checkNested(args.nested!, blocks);
  checkLength(KERNEL, 'code (16)', args.code, 16);
  checkLength(KERNEL, forward ? 'out (M, N)' : 'out (M, K)', args.out, m * (forward ? n : k));
}

/** The double-quantized form: lengths as dequantizeAbsmax checks them for n = blocks. */
function checkNested(nested: Nested, blocks: number): void {
  const { nestedBlocksize } = nested;
  if (!Number.isInteger(nestedBlocksize) || nestedBlocksize <= 0) {
    throw new KernelArgumentError(
      `${KERNEL}: nested.nestedBlocksize expected a positive integer, got ${nestedBlocksize}`,
    );
  }
  checkLength(KERNEL, 'nested.qabsmax (⌈N·K/blocksize⌉)', nested.qabsmax, blocks);
  checkLength(
    KERNEL,
    'nested.nestedAbsmax (⌈blocks / nestedBlocksize⌉)',
    nested.nestedAbsmax,
    Math.ceil(blocks / nestedBlocksize),
  );
  checkLength(KERNEL, 'nested.nestedCode (256)', nested.nestedCode, 256);
  checkFinite(KERNEL, 'nested.offset', nested.offset);
}

/**
 * The block scales (⌈N·K/blocksize⌉): absmax as given, or the nested form restored with dequantizeAbsmax's own
 * formula, f32(f32(nestedCode[q] · nestedAbsmax[⌊b / nestedBlocksize⌋]) + f32(offset)), so the two paths agree bit
 * for bit.
 */
function blockScales(args: HostArgs<Nf4MatmulArgs>): ArrayLike<number> {
  if (args.absmax) return args.absmax;
  const nested = args.nested as HostArgs<Nested>;
  const n = Math.ceil((args.n * args.k) / args.blocksize);
  const out = new Float32Array(n); // (blocks)
  dequantizeAbsmax({ ...nested, out, n });
  return out;
}

/** Dequantizes row r of W (N, K) into `row` (K), each weight rounded to f32 as bitsandbytes stores it. */
function dequantizeRow(
  args: HostArgs<Nf4MatmulArgs>,
  absmax: ArrayLike<number>,
  r: number,
  row: Float64Array,
): void {
  const { packed, code, blocksize, k } = args;
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
  const absmax = blockScales(args); // (⌈N·K/blocksize⌉)
  const row = new Float64Array(k); // (K) one dequantized row of W
  if (args.mode === 'forward') {
    for (let r = 0; r < n; r++) {
      dequantizeRow(args, absmax, r, row);
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
    dequantizeRow(args, absmax, r, row);
    for (let i = 0; i < m; i++) {
      const g = x[i * n + r]!; // dy[i, r]
      if (g === 0) continue;
      const sBase = i * k;
      for (let c = 0; c < k; c++) sums[sBase + c]! += g * row[c]!;
    }
  }
  for (let e = 0; e < m * k; e++) out[e] = accumulate ? sums[e]! + out[e]! : sums[e]!;
}

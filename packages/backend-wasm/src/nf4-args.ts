// Checks an nf4Matmul call at the public boundary and maps it onto a GEMM: the 4-bit weight is operand B.
import { type HostArgs, checkNf4MatmulArgs, KernelArgumentError, type Nf4MatmulArgs } from '@lora/core';

const KERNEL = 'nf4Matmul';

/** A validated call as a GEMM out (M, gemmN) = x (M, gemmK) · B, with B(p, j) = W_flat[p·rs + j·cs]. */
export interface Nf4Call {
  m: number;
  gemmN: number;
  gemmK: number;
  rs: number;
  cs: number;
  /** elements of x and out the kernel reads and writes */
  xLen: number;
  outLen: number;
  /** bytes of packed codes and blocks of absmax W (N, K) has */
  packedLen: number;
  blocks: number;
  forward: boolean;
}

export function checkNf4Args(args: HostArgs<Nf4MatmulArgs>): Nf4Call {
  checkNf4MatmulArgs(args); // dims, blocksize, mode and buffer lengths, as the reference checks them
  const { m, n, k, blocksize, mode } = args;
  const forward = mode === 'forward';
  if (n * k >= 2 ** 31) {
    throw new KernelArgumentError(`${KERNEL}: N·K expected below 2^31 (i32 element index), got ${n * k}`);
  }
  const call: Nf4Call = {
    m,
    gemmN: forward ? n : k,
    gemmK: forward ? k : n,
    rs: forward ? 1 : k, // forward reads W (N, K) as Bᵀ; inputGrad as B
    cs: forward ? k : 1,
    xLen: m * (forward ? k : n),
    outLen: m * (forward ? n : k),
    packedLen: Math.ceil((n * k) / 2),
    blocks: Math.ceil((n * k) / blocksize),
    forward,
  };
  // the wasm heap copies typed arrays byte for byte, so their element types must be exact
  checkTyped(forward ? 'x (M, K)' : 'x = dy (M, N)', args.x, Float32Array);
  checkTyped('packed (⌈N·K/2⌉)', args.packed, Uint8Array);
  if (args.absmax) checkTyped('absmax (⌈N·K/blocksize⌉)', args.absmax, Float32Array);
  else {
    const nested = args.nested!; // checkNf4MatmulArgs saw exactly one form
    checkTyped('nested.qabsmax (⌈N·K/blocksize⌉)', nested.qabsmax, Uint8Array);
    checkTyped('nested.nestedAbsmax (⌈blocks / nestedBlocksize⌉)', nested.nestedAbsmax, Float32Array);
    checkTyped('nested.nestedCode (256)', nested.nestedCode, Float32Array);
  }
  checkTyped('code (16)', args.code, Float32Array);
  checkTyped(forward ? 'out (M, N)' : 'out (M, K)', args.out, Float32Array);
  return call;
}

function checkTyped(label: string, array: unknown, type: typeof Float32Array | typeof Uint8Array): void {
  if (!(array instanceof type)) {
    const got = (array as object).constructor?.name ?? typeof array;
    throw new KernelArgumentError(`${KERNEL}: ${label} expected a ${type.name}, got ${got}`);
  }
}

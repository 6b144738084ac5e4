// GEMM on device arrays: matmul and batchedMatmul, BLAS sgemm semantics (out = alpha·op(A)·op(B) [+ out]), one
// output cell per thread — gpu.js has no workgroup memory, so there is no tiling: each cell reads a row of op(A) and
// a column of op(B) straight from their textures (llm.c's matmul_forward_naive, on the GPU).
import type { BatchedMatmulArgs } from '@lora/core';
import { checkMatmulArgs } from '@lora/core';
import type { KernelThis } from '../../runner.js';
import { cells, type DeviceContext, type DeviceKernels, divFloor, own } from './common.js';

interface GemmConstants {
  m: number;
  n: number;
  k: number;
  aRow: number;
  aStep: number;
  bStep: number;
  bCol: number;
  aBatch: number;
  bBatch: number;
  cBatch: number;
}

// cell (batch z, row y, col x) of (B, M, N); the strides encode transA / transB; acc 1 adds the old out
function gemmCell(
  this: KernelThis<GemmConstants>,
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  c: Float32Array,
  cOff: number,
  alpha: number,
  acc: number,
): number {
  const i = this.thread.x;
  const zy = divFloor(i, this.constants.n);
  const x = i - zy * this.constants.n;
  const z = divFloor(zy, this.constants.m);
  const y = zy - z * this.constants.m;
  const aBase = aOff + z * this.constants.aBatch + y * this.constants.aRow;
  const bBase = bOff + z * this.constants.bBatch + x * this.constants.bCol;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[aBase + p * this.constants.aStep]! * b[bBase + p * this.constants.bStep]!;
  }
  if (acc > 0.5) return c[cOff + i]! + alpha * sum;
  return alpha * sum;
}

function zeroCell(this: KernelThis<Record<string, never>>): number {
  return 0;
}

function gemm(gx: DeviceContext, name: 'matmul' | 'batchedMatmul', args: BatchedMatmulArgs): void {
  const { m, n, k, batch } = args;
  checkMatmulArgs(name, args, batch);
  const transA = args.transA ?? false;
  const transB = args.transB ?? false;
  const accumulate = args.accumulate ?? false;
  const alpha = args.alpha ?? 1;
  const [a, b, out] = [
    own(gx, args.a, name, 'a'),
    own(gx, args.b, name, 'b'),
    own(gx, args.out, name, 'out'),
  ];
  const count = batch * m * n;
  if (count === 0) return;
  if (k === 0) {
    // a sum of nothing: out stays (accumulate) or becomes 0
    if (!accumulate) gx.ex.write(out, count, cells('zero', zeroCell, count, []));
    return;
  }
  const constants = {
    m,
    n,
    k,
    aRow: transA ? 1 : k,
    aStep: transA ? m : 1,
    bStep: transB ? 1 : n,
    bCol: transB ? k : 1,
    aBatch: m * k,
    bBatch: k * n,
    cBatch: m * n,
  };
  const key = `gemm:${batch}x${m}x${n}x${k}:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
  const launch = cells(
    key,
    gemmCell,
    count,
    [
      ['a', a],
      ['aOff', a.offset],
      ['b', b],
      ['bOff', b.offset],
      ['c', accumulate ? out : a], // read only when accumulating: a fresh out needs no zero fill
      ['cOff', accumulate ? out.offset : 0],
      ['alpha', alpha],
      ['acc', accumulate ? 1 : 0],
    ],
    { constants },
  );
  gx.ex.write(out, count, launch);
}

export const GEMM_KERNELS = {
  matmul: (gx, args) => gemm(gx, 'matmul', { ...args, batch: 1 }),
  batchedMatmul: (gx, args) => gemm(gx, 'batchedMatmul', args),
} satisfies DeviceKernels;

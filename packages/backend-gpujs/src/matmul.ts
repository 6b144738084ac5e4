// Reference: BLAS sgemm semantics (C = alpha * op(A) · op(B) + beta * C with beta ∈ {0, 1}), as llm.c's matmul_forward_naive.

import type { HostArgs, BatchedMatmulArgs, MatmulArgs } from '@lora/core';
import { checkDims, checkFinite, checkLength } from '@lora/core';
import type { KernelSpec, KernelThis, Plan } from './runner.js';
import { launch } from './runner.js';
import { head } from './upload.js';

interface MatmulConstants {
  k: number;
  n: number;
  aRow: number;
  aStep: number;
  bStep: number;
  bCol: number;
  aBatch: number;
  bBatch: number;
  cBatch: number;
}

// One output cell (col x, row y, batch z); the strides encode transA / transB.
function matmulCell(
  this: KernelThis<MatmulConstants>,
  a: Float32Array,
  b: Float32Array,
  alpha: number,
): number {
  const aBase = this.thread.z * this.constants.aBatch + this.thread.y * this.constants.aRow;
  const bBase = this.thread.z * this.constants.bBatch + this.thread.x * this.constants.bCol;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[aBase + p * this.constants.aStep]! * b[bBase + p * this.constants.bStep]!;
  }
  return alpha * sum;
}

function matmulAccumulateCell(
  this: KernelThis<MatmulConstants>,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  alpha: number,
): number {
  const aBase = this.thread.z * this.constants.aBatch + this.thread.y * this.constants.aRow;
  const bBase = this.thread.z * this.constants.bBatch + this.thread.x * this.constants.bCol;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    sum += a[aBase + p * this.constants.aStep]! * b[bBase + p * this.constants.bStep]!;
  }
  return (
    c[this.thread.z * this.constants.cBatch + this.thread.y * this.constants.n + this.thread.x]! + alpha * sum
  );
}

export function matmulPlan(args: HostArgs<MatmulArgs>): Plan {
  return gemmPlan('matmul', { ...args, batch: 1 });
}

export function batchedMatmulPlan(args: HostArgs<BatchedMatmulArgs>): Plan {
  return gemmPlan('batchedMatmul', args);
}

function* gemmPlan(name: string, args: HostArgs<BatchedMatmulArgs>): Plan {
  const { a, b, out, m, n, k, batch } = args;
  const transA = args.transA ?? false;
  const transB = args.transB ?? false;
  const accumulate = args.accumulate ?? false;
  const alpha = args.alpha ?? 1;
  checkDims(name, { m, n, k, batch });
  checkFinite(name, 'alpha', alpha);
  checkLength(name, 'a', a, batch * m * k);
  checkLength(name, 'b', b, batch * k * n);
  checkLength(name, 'out', out, batch * m * n);
  const cells = batch * m * n;
  if (cells === 0) return;
  if (k === 0) {
    if (!accumulate) out.fill(0, 0, cells);
    return;
  }
  const key = `matmul:${batch}x${m}x${n}x${k}:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}:${accumulate ? 'acc' : 'set'}`;
  const spec = (): KernelSpec => ({
    fn: accumulate ? matmulAccumulateCell : matmulCell,
    output: [n, m, batch], // (B, M, N)
    constants: {
      k,
      n,
      aRow: transA ? 1 : k,
      aStep: transA ? m : 1,
      bStep: transB ? 1 : n,
      bCol: transB ? k : 1,
      aBatch: m * k,
      bBatch: k * n,
      cBatch: m * n,
    },
    argumentTypes: accumulate
      ? { a: 'Array', b: 'Array', c: 'Array', alpha: 'Float' }
      : { a: 'Array', b: 'Array', alpha: 'Float' },
  });
  const ops = [head(a, batch * m * k), head(b, batch * k * n)]; // (B, M, K) or (B, K, M); (B, K, N) or (B, N, K)
  const argsList = accumulate ? [...ops, head(out, cells), alpha] : [...ops, alpha];
  yield launch(key, spec, argsList, out);
}

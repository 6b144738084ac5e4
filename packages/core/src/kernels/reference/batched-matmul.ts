// Reference batched GEMM (torch.bmm with alpha and beta ∈ {0, 1}): `batch` independent matmuls on contiguous matrices.
import type { HostArgs } from '../../device/arrays.js';
import type { BatchedMatmulArgs } from '../types.js';
import { checkMatmulArgs, gemmAt, gemmScratch } from './matmul.js';

export function batchedMatmul(args: HostArgs<BatchedMatmulArgs>): void {
  const { batch, m, n, k } = args;
  checkMatmulArgs('batchedMatmul', args, batch);
  const scratch = gemmScratch(args);
  for (let s = 0; s < batch; s++) gemmAt(args, s * m * k, s * k * n, s * m * n, scratch); // (B, M, N)
}

// The GEMM family on webgpu: matmul, batchedMatmul, nf4Matmul.
import type { WebGpuKernels } from '../kernels.js';
import { batchedMatmul, matmul } from './matmul.js';
import { nf4Matmul } from './nf4-matmul.js';

export const GEMM_KERNELS = { matmul, batchedMatmul, nf4Matmul } satisfies WebGpuKernels;

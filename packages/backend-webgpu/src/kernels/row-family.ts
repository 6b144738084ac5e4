// The row-reduction family on webgpu: softmax, norms, cross-entropy, causal softmax, argmax, loss and gradient
// statistics, column sums.
import type { WebGpuKernels } from '../kernels.js';
import { causalSoftmax } from './causal-softmax.js';
import { columnSums } from './column-reduce.js';
import { crossEntropyChunk, crossEntropyChunkBackward } from './cross-entropy.js';
import { countNonFinite, gradClip, sumSquares } from './grad-stats.js';
import { layernorm, layernormBackward } from './layernorm.js';
import { argmaxChunk, crossEntropyStats } from './loss-stats.js';
import { rmsnorm, rmsnormBackward } from './rmsnorm.js';
import { softmax, softmaxBackward } from './softmax.js';

export const ROW_KERNELS = {
  softmax,
  softmaxBackward,
  causalSoftmax,
  rmsnorm,
  rmsnormBackward,
  layernorm,
  layernormBackward,
  crossEntropyChunk,
  crossEntropyChunkBackward,
  argmaxChunk,
  crossEntropyStats,
  columnSums,
  sumSquares,
  countNonFinite,
  gradClip,
} satisfies WebGpuKernels;

// Registers the plain TypeScript kernels as backend "reference" (priority 0, always available) when @lora/core loads.

import { geluTanh, geluTanhBackward, silu, siluBackward } from './kernels/reference/activations.js';
import { adamw } from './kernels/reference/adamw.js';
import { adamw8bit } from './kernels/reference/adamw8bit.js';
import { batchedMatmul } from './kernels/reference/batched-matmul.js';
import { causalSoftmax } from './kernels/reference/causal-softmax.js';
import { crossEntropyChunk, crossEntropyChunkBackward } from './kernels/reference/cross-entropy.js';
import { dequantizeAbsmax } from './kernels/reference/dequantize-absmax.js';
import { add, addBias, axpy, columnSums, mul, scale } from './kernels/reference/elementwise.js';
import { embedding, embeddingBackward } from './kernels/reference/embedding.js';
import { fill, stridedCopy } from './kernels/reference/fill-copy.js';
import { countNonFinite, gradClip, sumSquares } from './kernels/reference/grad-stats.js';
import { layernorm, layernormBackward } from './kernels/reference/layernorm.js';
import { argmaxChunk, crossEntropyStats } from './kernels/reference/loss-stats.js';
import { matmul } from './kernels/reference/matmul.js';
import { nf4Matmul } from './kernels/reference/nf4-matmul.js';
import { quantize4bitBlockwise } from './kernels/reference/quantize-4bit.js';
import { dropout, uniformNoise } from './kernels/reference/random.js';
import { rmsnorm, rmsnormBackward } from './kernels/reference/rmsnorm.js';
import { rope } from './kernels/reference/rope.js';
import { sgd } from './kernels/reference/sgd.js';
import { softcap, softcapBackward } from './kernels/reference/softcap.js';
import { softmax, softmaxBackward } from './kernels/reference/softmax.js';
import { HOST_KERNEL_NAMES, type HostKernelSignatures, KERNEL_NAMES } from './kernels/types.js';
import { REFERENCE_BACKEND, registerBackend, registerHostKernel } from './registry.js';

/** Every reference kernel by name: the oracle, and what `kernel(name)` falls back to on host backends. */
export const referenceKernels: Readonly<HostKernelSignatures> = Object.freeze({
  matmul,
  batchedMatmul,
  softmax,
  softmaxBackward,
  rmsnorm,
  rmsnormBackward,
  layernorm,
  layernormBackward,
  rope,
  silu,
  siluBackward,
  geluTanh,
  geluTanhBackward,
  softcap,
  softcapBackward,
  crossEntropyChunk,
  crossEntropyChunkBackward,
  embedding,
  embeddingBackward,
  adamw,
  sgd,
  adamw8bit,
  nf4Matmul,
  fill,
  stridedCopy,
  add,
  mul,
  axpy,
  scale,
  addBias,
  columnSums,
  dropout,
  uniformNoise,
  causalSoftmax,
  argmaxChunk,
  crossEntropyStats,
  sumSquares,
  gradClip,
  countNonFinite,
  dequantizeAbsmax,
  quantize4bitBlockwise,
});

/** Registers backend "reference" and all its kernels (idempotent; runs once when @lora/core is imported). */
export function registerReferenceBackend(): void {
  registerBackend({
    name: REFERENCE_BACKEND,
    priority: 0,
    isAvailable: () => true,
    describe: () => 'plain TypeScript, float64 sums',
  });
  for (const name of [...KERNEL_NAMES, ...HOST_KERNEL_NAMES])
    registerHostKernel({ name, backend: REFERENCE_BACKEND, impl: referenceKernels[name] });
}

registerReferenceBackend();

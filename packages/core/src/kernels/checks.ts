// One argument check per kernel, by name: what every backend calls at its boundary, and what the reference calls
// before it computes. Each is O(1) per call (O(T) for index tables), never per element, and reads no array contents,
// so it runs on device handles too; checks of host contents (ids, positions in range) stay with the host kernels.
import { checkUnaryArgs } from './reference/activations.js';
import { checkAdamwArgs } from './reference/adamw.js';
import { checkAdamw8bitArgs } from './reference/adamw8bit.js';
import { checkCausalSoftmaxArgs } from './reference/causal-softmax.js';
import { checkCrossEntropyChunkArgs, checkCrossEntropyChunkBackwardArgs } from './reference/cross-entropy.js';
import { checkDequantizeAbsmaxArgs } from './reference/dequantize-absmax.js';
import {
  checkAddBiasArgs,
  checkAxpyArgs,
  checkBinaryArgs,
  checkColumnSumsArgs,
  checkScaleArgs,
} from './reference/elementwise.js';
import { checkEmbeddingArgs, checkEmbeddingBackwardArgs } from './reference/embedding.js';
import { checkFillArgs, checkStridedCopyArgs } from './reference/fill-copy.js';
import { checkGradClipArgs, checkReductionArgs } from './reference/grad-stats.js';
import { checkLayernormArgs, checkLayernormBackwardArgs } from './reference/layernorm.js';
import { checkArgmaxChunkArgs, checkCrossEntropyStatsArgs } from './reference/loss-stats.js';
import { checkMatmulArgs } from './reference/matmul.js';
import { checkNf4MatmulArgs } from './reference/nf4-matmul.js';
import { checkQuantize4bitBlockwiseArgs } from './reference/quantize-4bit.js';
import { checkDropoutArgs, checkUniformNoiseArgs } from './reference/random.js';
import { checkRmsnormArgs, checkRmsnormBackwardArgs } from './reference/rmsnorm.js';
import { checkRopeArgs } from './reference/rope.js';
import { checkSgdArgs } from './reference/sgd.js';
import { checkSoftcapArgs } from './reference/softcap.js';
import { checkSoftmaxArgs, checkSoftmaxBackwardArgs } from './reference/softmax.js';
import type { KernelName, KernelSignatures } from './types.js';

/** A kernel's argument object. */
export type KernelArgs<K extends KernelName> = Parameters<KernelSignatures[K]>[0];

/** Each kernel's argument check (throws KernelArgumentError naming the bad argument). */
export const KERNEL_CHECKS: { readonly [K in KernelName]: (args: KernelArgs<K>) => void } = {
  matmul: (args) => checkMatmulArgs('matmul', args, 1),
  batchedMatmul: (args) => checkMatmulArgs('batchedMatmul', args, args.batch),
  nf4Matmul: checkNf4MatmulArgs,
  softmax: checkSoftmaxArgs,
  softmaxBackward: checkSoftmaxBackwardArgs,
  rmsnorm: checkRmsnormArgs,
  rmsnormBackward: checkRmsnormBackwardArgs,
  layernorm: checkLayernormArgs,
  layernormBackward: checkLayernormBackwardArgs,
  rope: checkRopeArgs,
  silu: (args) => checkUnaryArgs('silu', args),
  siluBackward: (args) => checkUnaryArgs('siluBackward', args),
  geluTanh: (args) => checkUnaryArgs('geluTanh', args),
  geluTanhBackward: (args) => checkUnaryArgs('geluTanhBackward', args),
  softcap: (args) => checkSoftcapArgs('softcap', args),
  softcapBackward: (args) => checkSoftcapArgs('softcapBackward', args),
  crossEntropyChunk: checkCrossEntropyChunkArgs,
  crossEntropyChunkBackward: checkCrossEntropyChunkBackwardArgs,
  embedding: checkEmbeddingArgs,
  embeddingBackward: checkEmbeddingBackwardArgs,
  adamw: checkAdamwArgs,
  sgd: checkSgdArgs,
  adamw8bit: checkAdamw8bitArgs,
  fill: checkFillArgs,
  stridedCopy: checkStridedCopyArgs,
  add: (args) => checkBinaryArgs('add', args),
  mul: (args) => checkBinaryArgs('mul', args),
  axpy: checkAxpyArgs,
  scale: checkScaleArgs,
  addBias: checkAddBiasArgs,
  columnSums: checkColumnSumsArgs,
  dropout: checkDropoutArgs,
  uniformNoise: checkUniformNoiseArgs,
  causalSoftmax: checkCausalSoftmaxArgs,
  argmaxChunk: checkArgmaxChunkArgs,
  crossEntropyStats: checkCrossEntropyStatsArgs,
  sumSquares: (args) => checkReductionArgs('sumSquares', args),
  countNonFinite: (args) => checkReductionArgs('countNonFinite', args),
  gradClip: checkGradClipArgs,
  dequantizeAbsmax: checkDequantizeAbsmaxArgs,
  quantize4bitBlockwise: checkQuantize4bitBlockwiseArgs,
};

/** Checks `args` of `kernel` at a backend's boundary; throws KernelArgumentError naming the bad argument. */
export function checkKernelArgs<K extends KernelName>(kernel: K, args: KernelArgs<K>): void {
  (KERNEL_CHECKS[kernel] as (args: KernelArgs<K>) => void)(args);
}

export type { StepOptions, StepResult, TokenBatch } from './batch.js';
export type { DeviceArray, F32, HostArgs, I32, U8 } from './device/arrays.js';
export { isHostArray } from './device/arrays.js';
export type { DeviceCounters, DeviceHandle, DeviceMemory } from './device/memory.js';
export {
  allocLike,
  DeviceMemoryError,
  hostMemory,
  memoryOf,
  readableOnHost,
  registerTypedArrayMemory,
  toHost,
  unregisterTypedArrayMemory,
  writeHost,
} from './device/memory.js';
export { OPAQUE_BACKEND, onOpaqueBackend, registerOpaqueBackend } from './device/opaque-backend.js';
export { OpaqueArrayError, OpaqueMemory } from './device/opaque-memory.js';
export { rowsPerArray } from './device/row-split.js';
export {
  bf16BitsToNumber,
  bf16ToF32,
  f16BitsToNumber,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  f64ToF32,
  numberToBf16Bits,
  numberToF16Bits,
} from './dtype.js';
export { createDynamicMap } from './dynamic-map.js';
export type { GradcheckInput, GradcheckOptions, GradcheckResult } from './gradcheck.js';
export {
  asKernelArray,
  GradcheckError,
  gradcheck,
  numericalGradient,
  weightedSum,
} from './gradcheck.js';
export { joinArrays } from './join-arrays.js';
export type { KernelCase } from './kernels/cases/case-list.js';
export { casesFor, KERNEL_CASES, KERNELS_WITHOUT_CASES } from './kernels/cases/catalogue.js';
export type { KernelTolerance } from './kernels/cases/tolerances.js';
export { EPS32, resolveTolerance } from './kernels/cases/tolerances.js';
export { checkDims, checkFinite, checkLength, KernelArgumentError } from './kernels/check.js';
export type { KernelArgs } from './kernels/checks.js';
export { checkKernelArgs, KERNEL_CHECKS } from './kernels/checks.js';
export { counterHash, counterUniform, dropThreshold, lowbias32 } from './kernels/counter-hash.js';
export { applyGradScale } from './kernels/grad-scale.js';
export type { ArrayDtype } from './kernels/host-arrays.js';
export { checkHostArrays, KERNEL_ARRAYS } from './kernels/host-arrays.js';
export { checkUnaryArgs } from './kernels/reference/activations.js';
export { checkAdamwArgs } from './kernels/reference/adamw.js';
export {
  ADAMW8BIT_BLOCKSIZE,
  checkAdamw8bitArgs,
  quantizeDynamic,
} from './kernels/reference/adamw8bit.js';
export { checkCausalSoftmaxArgs } from './kernels/reference/causal-softmax.js';
export {
  checkCrossEntropyChunkArgs,
  checkCrossEntropyChunkBackwardArgs,
} from './kernels/reference/cross-entropy.js';
export { checkDequantizeAbsmaxArgs } from './kernels/reference/dequantize-absmax.js';
export {
  checkAddBiasArgs,
  checkAxpyArgs,
  checkBinaryArgs,
  checkColumnSumsArgs,
  checkScaleArgs,
} from './kernels/reference/elementwise.js';
export {
  checkEmbeddingArgs,
  checkEmbeddingBackwardArgs,
  checkEmbeddingIds,
  type EmbeddingRows,
  embeddingRows,
} from './kernels/reference/embedding.js';
export { checkFillArgs, checkStridedCopyArgs } from './kernels/reference/fill-copy.js';
export { checkGradClipArgs, checkReductionArgs } from './kernels/reference/grad-stats.js';
export { checkLayernormArgs, checkLayernormBackwardArgs } from './kernels/reference/layernorm.js';
export { checkArgmaxChunkArgs, checkCrossEntropyStatsArgs } from './kernels/reference/loss-stats.js';
export { checkMatmulArgs } from './kernels/reference/matmul.js';
export { checkNf4MatmulArgs } from './kernels/reference/nf4-matmul.js';
export { checkQuantize4bitBlockwiseArgs } from './kernels/reference/quantize-4bit.js';
export { checkDropoutArgs, checkUniformNoiseArgs } from './kernels/reference/random.js';
export { checkRmsnormArgs, checkRmsnormBackwardArgs } from './kernels/reference/rmsnorm.js';
export { checkRopeArgs } from './kernels/reference/rope.js';
export { checkSgdArgs } from './kernels/reference/sgd.js';
export { checkSoftcapArgs } from './kernels/reference/softcap.js';
export { checkSoftmaxArgs, checkSoftmaxBackwardArgs } from './kernels/reference/softmax.js';
export type * from './kernels/types.js';
export { HOST_KERNEL_NAMES, isHostKernel, KERNEL_NAMES } from './kernels/types.js';
export type { ForwardContext, LinearCache, LinearContainer, LinearModule, Parameter } from './module.js';
export { parameterKey } from './module.js';
export {
  NEAREST_CODE_BUCKETS,
  nearestCode,
  nearestCodeBuckets,
  nearestCodeFinder,
  scaledToUnit,
} from './nearest-code.js';
export type { Prng, PrngState } from './random.js';
export { createPrng, shuffledIndices, streamSeed, uniformStream } from './random.js';
export { referenceKernels, registerReferenceBackend } from './register-reference.js';
export type { BackendConfig, HostKernelConfig, KernelConfig } from './registry.js';
export {
  BACKEND_ENV_VAR,
  BackendError,
  backendMemory,
  backendReport,
  deviceMemory,
  disposeBackends,
  getBackend,
  getKernelImpl,
  kernel,
  kernelsOf,
  REFERENCE_BACKEND,
  registerBackend,
  registeredBackends,
  registerHostKernel,
  registerKernel,
  setBackend,
} from './registry.js';
export type { RopeTablesOptions } from './rope-tables.js';
export { RopeTablesError, ropeTables } from './rope-tables.js';
export { showValue } from './show-value.js';

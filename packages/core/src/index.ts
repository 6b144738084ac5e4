export type { StepOptions, StepResult, TokenBatch } from './batch.js';
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
export type { GradcheckInput, GradcheckOptions, GradcheckResult } from './gradcheck.js';
export {
  asKernelArray,
  GradcheckError,
  gradcheck,
  numericalGradient,
  weightedSum,
} from './gradcheck.js';
export { checkDims, checkFinite, checkLength, KernelArgumentError } from './kernels/check.js';
export type * from './kernels/types.js';
export { KERNEL_NAMES } from './kernels/types.js';
export type { ForwardContext, LinearCache, LinearContainer, LinearModule, Parameter } from './module.js';
export { referenceKernels, registerReferenceBackend } from './register-reference.js';
export type { BackendConfig, KernelConfig } from './registry.js';
export {
  BACKEND_ENV_VAR,
  BackendError,
  backendReport,
  disposeBackends,
  getBackend,
  getKernelImpl,
  kernel,
  kernelsOf,
  REFERENCE_BACKEND,
  registerBackend,
  registeredBackends,
  registerKernel,
  setBackend,
} from './registry.js';
export type { RopeTablesOptions } from './rope-tables.js';
export { RopeTablesError, ropeTables } from './rope-tables.js';
export { fromArray, ShapeError, Tensor, zeros } from './tensor.js';
export { createPrng, shuffledIndices, streamSeed, uniformStream } from './random.js';
export type { Prng, PrngState } from './random.js';
export { checkNf4MatmulArgs } from './kernels/reference/nf4-matmul.js';

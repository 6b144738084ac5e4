export type * from './kernels/types.js';
export { KERNEL_NAMES } from './kernels/types.js';
export {
  BackendError,
  BACKEND_ENV_VAR,
  REFERENCE_BACKEND,
  backendReport,
  disposeBackends,
  getBackend,
  getKernelImpl,
  kernel,
  kernelsOf,
  registerBackend,
  registerKernel,
  registeredBackends,
  setBackend,
} from './registry.js';
export type { BackendConfig, KernelConfig } from './registry.js';
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

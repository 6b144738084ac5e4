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

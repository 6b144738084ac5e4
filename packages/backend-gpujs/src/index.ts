export type { GpujsAsyncKernels, GpujsKernelName, GpujsKernels, RegisterGpujsOptions } from './backend.js';
export {
  GPUJS_KERNEL_NAMES,
  gpujsAsyncKernels,
  gpujsKernels,
  registerGpujsBackends,
} from './backend.js';
export { GpujsBackendError } from './errors.js';
export type { GpujsMode } from './modes.js';
export { backendName, GPUJS_MODES, modePriority } from './modes.js';
export type { ModeProbe } from './probe.js';
export { probeMode } from './probe.js';
export type { KernelArg, KernelSpec, KernelThis, Plan, Step } from './runner.js';
export { KERNEL_CACHE_SIZE, KernelRunner } from './runner.js';

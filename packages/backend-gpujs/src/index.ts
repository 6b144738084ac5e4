export type { GpujsAsyncKernels, GpujsKernelName, GpujsKernels, RegisterGpujsOptions } from './backend.js';
export {
  GPUJS_KERNEL_NAMES,
  gpujsAsyncKernels,
  gpujsKernels,
  registerGpujsBackends,
} from './backend.js';
export { GPUJS_EMULATED_BACKEND, registerGpujsEmulatedBackend } from './device/device-backend.js';
export type { DeviceResult, TextureArray, TextureDtype } from './device/arrays.js';
export { TextureF32, TextureI32, TextureU8 } from './device/arrays.js';
export { GpujsMemory, MAX_EXACT_INTEGER } from './device/memory.js';
export { GpujsBackendError } from './errors.js';
export type { GpujsMode } from './modes.js';
export { backendName, GPUJS_MODES, modePriority } from './modes.js';
export type { ModeProbe } from './probe.js';
export { probeMode } from './probe.js';
export type {
  ArgumentType,
  KernelArg,
  KernelRunnerOptions,
  KernelSpec,
  KernelThis,
  Plan,
  Step,
} from './runner.js';
export { KERNEL_CACHE_SIZE, KernelRunner } from './runner.js';

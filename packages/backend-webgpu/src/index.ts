export type { GpuArray, GpuDtype } from './arrays.js';
export { GpuF32, GpuI32, GpuU8 } from './arrays.js';
export type { WebgpuBackendOptions } from './backend.js';
export { registerWebgpuBackend, WEBGPU_BACKEND, WEBGPU_PRIORITY, webgpuDevice } from './backend.js';
export type { GpuDescription } from './gpu-device.js';
export { WebGpuError } from './gpu-device.js';

// Every kernel the webgpu backend serves, by registry name: one map per kernel family.
import type { KernelName, KernelSignatures } from '@lora/core';
import { GEMM_KERNELS } from './kernels/gemm-family.js';
import { POINTWISE_KERNELS } from './kernels/pointwise-family.js';
import { ROW_KERNELS } from './kernels/row-family.js';
import type { WebGpuState } from './state.js';

/** A webgpu kernel implementation: the state it runs on, and the registry's arguments. */
export type WebGpuKernels = { [K in KernelName]?: (gpu: WebGpuState, args: Parameters<KernelSignatures[K]>[0]) => void };

export const WEBGPU_KERNELS = {
  ...GEMM_KERNELS,
  ...ROW_KERNELS,
  ...POINTWISE_KERNELS,
} satisfies WebGpuKernels;

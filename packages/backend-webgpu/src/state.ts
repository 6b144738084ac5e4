// What every webgpu kernel works with: the device, its queue, memory and compiled programs.
import type { GpuDescription } from './gpu-device.js';
import type { WebGpuMemory } from './memory.js';
import type { ProgramCache } from './program.js';
import type { GpuQueue } from './queue.js';

export interface WebGpuState {
  device: GPUDevice;
  description: GpuDescription;
  queue: GpuQueue;
  memory: WebGpuMemory;
  programs: ProgramCache;
}

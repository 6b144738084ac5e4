// Registers backend "webgpu" with @lora/core: every kernel in WGSL over arrays in GPU memory. It opens the device
// at registration (so its memory can take a model's weights before the backend is chosen); a software adapter
// (SwiftShader) serves when asked for by name but is never the automatic choice.
import { type KernelName, type KernelSignatures, registerBackend, registerKernel } from '@lora/core';
import { openGpu, WebGpuError } from './gpu-device.js';
import { WEBGPU_KERNELS } from './kernels.js';
import { WebGpuMemory } from './memory.js';
import { ProgramCache } from './program.js';
import { GpuQueue } from './queue.js';
import type { WebGpuState } from './state.js';

/** The backend name `registerWebgpuBackend` registers, for `setBackend('webgpu')`. */
export const WEBGPU_BACKEND = 'webgpu';
/** above wasm (100): a real GPU adapter wins the automatic choice */
export const WEBGPU_PRIORITY = 200;

let state: WebGpuState | undefined;
let unavailable = 'registerWebgpuBackend() has not run';

/** Options of `registerWebgpuBackend`. */
export interface WebgpuBackendOptions {
  /**
   * A largest array below the device's own (bytes): the memory refuses larger arrays and a model splits its
   * embeddings into row blocks as on a device with that storage binding limit (tests; a browser's 128 MiB default)
   */
  maxArrayBytes?: number;
}

/**
 * Register backend "webgpu" (priority 200) and its kernels. Finds navigator.gpu, or in Node the `webgpu` package
 * (Dawn); where neither gives an adapter the backend is registered as unavailable, with the reason.
 */
export async function registerWebgpuBackend(options: WebgpuBackendOptions = {}): Promise<void> {
  await disposeState();
  let opened: Awaited<ReturnType<typeof openGpu>>;
  try {
    opened = await openGpu();
    unavailable = opened ? '' : 'no WebGPU adapter (navigator.gpu, or the webgpu package in Node)';
  } catch (error) {
    unavailable = `opening a WebGPU device failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (opened) {
    const { device, description } = opened;
    const errors: string[] = [];
    device.addEventListener('uncapturederror', (event) => {
      errors.push((event as GPUUncapturedErrorEvent).error.message);
    });
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed') errors.push(`device lost: ${info.message}`);
    });
    const queue = new GpuQueue(device);
    // in whole 16-byte units, as the memory allocates buffers: an array whose values fit the limit fits once rounded
    // (a driver's 2^31 − 4 would otherwise refuse a table's row block sized right at it)
    const maxBytes =
      Math.floor(
        Math.min(
          description.maxStorageBufferBindingSize,
          description.maxBufferSize,
          options.maxArrayBytes ?? Number.POSITIVE_INFINITY,
        ) / 16,
      ) * 16;
    let programs: ProgramCache | undefined;
    const takeError = () => {
      const all = [...(programs?.errors.splice(0) ?? []), ...errors.splice(0)];
      return all.length > 0 ? all.join('; ') : undefined;
    };
    const memory = new WebGpuMemory(device, queue, maxBytes, takeError);
    programs = new ProgramCache(device, memory);
    state = { device, description, queue, memory, programs };
  }
  const current = state;
  registerBackend({
    name: WEBGPU_BACKEND,
    priority: WEBGPU_PRIORITY,
    isAvailable: () => current !== undefined,
    preferred: () => current !== undefined && !current.description.isFallback,
    dispose: disposeState,
    describe: () => (current ? describeDevice(current.description) : unavailable),
    memory: () => requireState().memory,
  });
  for (const name of Object.keys(WEBGPU_KERNELS) as (keyof typeof WEBGPU_KERNELS)[]) {
    const impl = WEBGPU_KERNELS[name] as (gpu: WebGpuState, args: unknown) => void;
    registerKernel({
      name: name as KernelName,
      backend: WEBGPU_BACKEND,
      impl: ((args: unknown) => impl(requireState(), args)) as KernelSignatures[KernelName],
    });
  }
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

/** The adapter and the limits a run depends on, in one line. */
function describeDevice(d: WebGpuState['description']): string {
  const software = d.isFallback ? '; a software adapter, chosen by name only' : '';
  const limits = `largest buffer ${mib(Math.min(d.maxStorageBufferBindingSize, d.maxBufferSize))}, workgroup memory ${d.maxComputeWorkgroupStorageSize / 1024} KiB, shader-f16 ${d.shaderF16 ? 'yes' : 'no'}`;
  return `${d.name}; ${limits}${software}`;
}

/** The device the backend runs on, for reports and the memory planner; undefined when none opened. */
export function webgpuDevice(): WebGpuState['description'] | undefined {
  return state?.description;
}

function requireState(): WebGpuState {
  if (!state) throw new WebGpuError(`webgpu backend: ${unavailable}`);
  return state;
}

async function disposeState(): Promise<void> {
  const s = state;
  state = undefined;
  if (!s) return;
  s.queue.flush();
  await s.device.queue.onSubmittedWorkDone();
  s.device.destroy();
}

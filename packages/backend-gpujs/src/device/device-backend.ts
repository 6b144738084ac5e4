// One gpu.js GPU mode as a device backend: a pipeline-mode runner, its executor and memory, and every kernel of
// DEVICE_KERNELS bound to them. Nothing falls back to the reference: the reference cannot read a texture.
import { type KernelName, type KernelSignatures, registerBackend, registerKernel } from '@lora/core';
import type { GpujsMode } from '../modes.js';
import { KernelRunner } from '../runner.js';
import { TextureExecutor } from './executor.js';
import { DEVICE_KERNELS } from './kernels.js';
import type { DeviceContext } from './kernels/common.js';
import { GpujsMemory } from './memory.js';

/** The gpu.js modes whose arrays live on a GPU. */
export const DEVICE_MODES = ['webgpu', 'webgl2', 'headlessgl'] as const satisfies readonly GpujsMode[];

export type DeviceMode = (typeof DEVICE_MODES)[number];

export function isDeviceMode(mode: GpujsMode): mode is DeviceMode {
  return (DEVICE_MODES as readonly string[]).includes(mode);
}

export interface GpujsDeviceOptions {
  /** queue launches as on webgpu (default: on webgpu only) */
  deferred?: boolean;
}

/**
 * A device mode's runner (pipeline mode), executor and memory, made on first use and again after dispose(). A CPU
 * mode (cpu, webasm) runs the same kernels on plain arrays: the device path, checkable in Node.
 */
export class GpujsDevice {
  #context: DeviceContext | undefined;

  constructor(
    readonly mode: GpujsMode,
    readonly name: string,
    readonly options: GpujsDeviceOptions = {},
  ) {}

  get context(): DeviceContext {
    if (!this.#context) {
      const runner = new KernelRunner(this.mode, undefined, { pipeline: true });
      const ex = new TextureExecutor(runner, this.options.deferred ?? this.mode === 'webgpu');
      this.#context = { ex, memory: new GpujsMemory(this.name, ex) };
    }
    return this.#context;
  }

  get runner(): KernelRunner {
    return this.context.ex.runner;
  }

  /** Every device kernel, registered for backend `this.name`. */
  registerKernels(): void {
    for (const name of Object.keys(DEVICE_KERNELS) as KernelName[]) {
      const impl = DEVICE_KERNELS[name] as (gx: DeviceContext, args: unknown) => void;
      const bound = (args: unknown): void => impl(this.context, args);
      registerKernel({ name, backend: this.name, impl: bound as KernelSignatures[typeof name] });
    }
  }

  /** Releases the gpu.js instance and every result; arrays allocated before are then invalid. */
  async dispose(): Promise<void> {
    const context = this.#context;
    this.#context = undefined;
    if (!context) return;
    await context.ex.sync().catch(() => undefined);
    await context.ex.runner.destroy();
  }
}

/** The default name of the emulated device backend. */
export const GPUJS_EMULATED_BACKEND = 'gpujs-emulated';

/**
 * Registers backend `name`: the GPU modes' device kernels and memory run by gpu.js's cpu mode, launches queued as on
 * webgpu. Never chosen automatically (select it by name): it is slow, and exists so that the device path — records,
 * views, splices, the launch queue, every kernel — is checked where there is no GPU (Node, CI). Idempotent.
 */
export function registerGpujsEmulatedBackend(name: string = GPUJS_EMULATED_BACKEND): void {
  if (emulated.has(name)) return;
  const device = new GpujsDevice('cpu', name, { deferred: true });
  emulated.set(name, device);
  registerBackend({
    name,
    priority: -100,
    isAvailable: () => true,
    preferred: () => false,
    dispose: () => device.dispose(),
    describe: () => 'gpu.js device kernels emulated by its cpu mode (launches queued as on webgpu)',
    memory: () => device.context.memory,
  });
  device.registerKernels();
}

const emulated = new Map<string, GpujsDevice>();

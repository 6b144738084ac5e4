// Registers one @lora/core backend per gpu.js mode: probed honestly, prioritised below `wasm` unless a real GPU answers.
// The GPU modes (webgpu, webgl2, headlessgl) are device backends whose arrays stay on the GPU (device/); the CPU modes
// (webasm, cpu) are host backends on typed arrays, the reference serving what they lack.

import type { HostKernelSignatures, KernelName } from '@lora/core';
import { registerBackend, registerHostKernel } from '@lora/core';
import {
  geluTanhBackwardPlan,
  geluTanhPlan,
  siluBackwardPlan,
  siluPlan,
  softcapBackwardPlan,
  softcapPlan,
} from './activations.js';
import { adamwPlan } from './adamw.js';
import { crossEntropyChunkBackwardPlan, crossEntropyChunkPlan } from './cross-entropy.js';
import { GpujsDevice, isDeviceMode } from './device/device-backend.js';
import { GpujsBackendError } from './errors.js';
import { layernormBackwardPlan, layernormPlan } from './layernorm.js';
import { batchedMatmulPlan, matmulPlan } from './matmul.js';
import type { GpujsMode } from './modes.js';
import { backendName, GPUJS_MODES, isGpujsMode, modePriority } from './modes.js';
import type { ModeProbe } from './probe.js';
import { probeMode } from './probe.js';
import { rmsnormBackwardPlan, rmsnormPlan } from './rmsnorm.js';
import { ropePlan } from './rope.js';
import type { Plan } from './runner.js';
import { KernelRunner } from './runner.js';
import { softmaxBackwardPlan, softmaxPlan } from './softmax.js';

/**
 * The kernels every gpu.js mode implements on host arrays (the CPU modes' backends, and `gpujsKernels` for any mode);
 * the rest fall back to the reference there. The GPU modes' device backends implement every kernel.
 */
export const GPUJS_KERNEL_NAMES = [
  'matmul',
  'batchedMatmul',
  'softmax',
  'softmaxBackward',
  'rmsnorm',
  'rmsnormBackward',
  'layernorm',
  'layernormBackward',
  'rope',
  'silu',
  'siluBackward',
  'geluTanh',
  'geluTanhBackward',
  'softcap',
  'softcapBackward',
  'crossEntropyChunk',
  'crossEntropyChunkBackward',
  'adamw',
] as const satisfies readonly KernelName[];

export type GpujsKernelName = (typeof GPUJS_KERNEL_NAMES)[number];

type ArgsOf<K extends GpujsKernelName> = Parameters<HostKernelSignatures[K]>[0];

const PLANS: { [K in GpujsKernelName]: (args: ArgsOf<K>) => Plan } = {
  matmul: matmulPlan,
  batchedMatmul: batchedMatmulPlan,
  softmax: softmaxPlan,
  softmaxBackward: softmaxBackwardPlan,
  rmsnorm: rmsnormPlan,
  rmsnormBackward: rmsnormBackwardPlan,
  layernorm: layernormPlan,
  layernormBackward: layernormBackwardPlan,
  rope: ropePlan,
  silu: siluPlan,
  siluBackward: siluBackwardPlan,
  geluTanh: geluTanhPlan,
  geluTanhBackward: geluTanhBackwardPlan,
  softcap: softcapPlan,
  softcapBackward: softcapBackwardPlan,
  crossEntropyChunk: crossEntropyChunkPlan,
  crossEntropyChunkBackward: crossEntropyChunkBackwardPlan,
  adamw: adamwPlan,
};

export type GpujsKernels = { [K in GpujsKernelName]: (args: ArgsOf<K>) => void };
export type GpujsAsyncKernels = { [K in GpujsKernelName]: (args: ArgsOf<K>) => Promise<void> };

/** The synchronous kernels of one mode (webgl2, headlessgl, webasm, cpu), bound to its runner. */
export function gpujsKernels(runner: KernelRunner): GpujsKernels {
  const out: Partial<Record<GpujsKernelName, (args: never) => void>> = {};
  for (const name of GPUJS_KERNEL_NAMES) {
    const plan = PLANS[name] as (args: unknown) => Plan;
    out[name] = (args) => runner.run(plan(args));
  }
  return out as GpujsKernels;
}

/**
 * The same kernels returning Promises, for any mode — the only way to use webgpu, whose readback is asynchronous.
 * Resolves once every output buffer is written.
 */
export function gpujsAsyncKernels(runner: KernelRunner): GpujsAsyncKernels {
  const out: Partial<Record<GpujsKernelName, (args: never) => Promise<void>>> = {};
  for (const name of GPUJS_KERNEL_NAMES) {
    const plan = PLANS[name] as (args: unknown) => Plan;
    out[name] = (args) => runner.runAsync(plan(args));
  }
  return out as GpujsAsyncKernels;
}

export interface RegisterGpujsOptions {
  /** which gpu.js modes to register (default: all of webgpu, webgl2, headlessgl, webasm, cpu) */
  modes?: string[];
}

const runners = new Map<GpujsMode, KernelRunner>();
const devices = new Map<GpujsMode, GpujsDevice>();

/**
 * Probe each requested gpu.js mode, register it as backend `gpujs-<mode>` with its kernels (unavailable ones too,
 * so that selecting one names the reason), and return the names of those that are available.
 * Throws GpujsBackendError for a mode name gpu.js does not have.
 */
export async function registerGpujsBackends(options: RegisterGpujsOptions = {}): Promise<string[]> {
  const requested = options.modes ?? [...GPUJS_MODES];
  for (const mode of requested) {
    if (!isGpujsMode(mode)) {
      throw new GpujsBackendError(
        `registerGpujsBackends: modes expected some of ${GPUJS_MODES.join(', ')}, got "${mode}"`,
      );
    }
  }
  const available: string[] = [];
  for (const mode of requested as GpujsMode[]) {
    const probe = await probeMode(mode); // one at a time: GL contexts are a scarce resource
    const name = backendName(mode);
    if (isDeviceMode(mode)) {
      const device = devices.get(mode) ?? new GpujsDevice(mode, name);
      devices.set(mode, device);
      registerBackend({
        name,
        priority: modePriority(mode, probe.hardware),
        isAvailable: () => probe.available,
        dispose: () => device.dispose(),
        describe: () => describeMode(probe, device.runner),
        memory: () => device.context.memory,
      });
      device.registerKernels(); // unavailable too, so selecting it fails on availability (with the reason)
      if (probe.available) available.push(name);
      continue;
    }
    const runner = runners.get(mode) ?? new KernelRunner(mode);
    runners.set(mode, runner);
    registerBackend({
      name,
      priority: modePriority(mode, probe.hardware),
      isAvailable: () => probe.available,
      dispose: () => runner.destroy(),
      describe: () => describeMode(probe, runner),
    });
    // kernels too when unavailable, so selecting the backend fails on availability (with the reason), not on kernels
    const kernels = gpujsKernels(runner);
    for (const kernelName of GPUJS_KERNEL_NAMES) registerOne(kernelName, name, kernels);
    if (probe.available) available.push(name);
  }
  return available;
}

function registerOne<K extends GpujsKernelName>(kernelName: K, backend: string, kernels: GpujsKernels): void {
  registerHostKernel<K>({
    name: kernelName,
    backend,
    impl: kernels[kernelName] as unknown as HostKernelSignatures[K],
  });
}

function describeMode(probe: ModeProbe, runner: KernelRunner): string {
  if (!probe.available) return `gpu.js ${probe.mode}: unavailable (${probe.reason})`;
  const degraded = runner.degraded.size > 0 ? `; ${runner.degraded.size} kernels degraded to gpu.js cpu` : '';
  return `gpu.js ${probe.mode} on ${probe.device}${degraded}`;
}

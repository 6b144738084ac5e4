// The backends the conformance suite registers before it runs. To add one: one import, one entry.

import { registerGpujsBackends, registerGpujsEmulatedBackend } from '@lora/backend-gpujs';
import { registerWasmBackend } from '@lora/backend-wasm';
import { registerOpaqueBackend } from '@lora/core';
import { registerWebgpuBackend } from '@lora/backend-webgpu';
import { useSoftwareVulkan } from '@lora/testing';
import { registerReferenceF64Backend } from './reference-f64.js';

export interface BackendEntry {
  /** the package or backend family, shown when registration fails */
  name: string;
  /** registers one or more backends and their kernels with @lora/core (availability is checked later) */
  register: () => Promise<void>;
}

export const BACKENDS: readonly BackendEntry[] = [
  { name: 'reference-f64', register: registerReferenceF64Backend },
  // the reference kernels behind opaque handles: the device-array plumbing (uploads, views, reads) on any machine
  { name: 'opaque', register: async () => void registerOpaqueBackend() },
  { name: '@lora/backend-wasm', register: () => registerWasmBackend() },
  // all five gpu.js modes; those unavailable here (webgpu and GL without a browser) skip with the reason
  { name: '@lora/backend-gpujs', register: async () => void (await registerGpujsBackends()) },
  // the gpu.js GPU modes' device kernels and memory, run by its cpu mode: their path checked without a browser
  // (in Chromium on the GPU itself: chromium.test.ts)
  { name: 'gpujs-emulated', register: async () => registerGpujsEmulatedBackend() },
  // a real GPU where there is one, else SwiftShader (software Vulkan) where Chromium is installed
  {
    name: '@lora/backend-webgpu',
    register: () => {
      useSoftwareVulkan();
      return registerWebgpuBackend();
    },
  },
];

export interface RegistrationFailure {
  name: string;
  error: unknown;
}

/** Runs every entry's register(); a throwing entry is reported (the suite fails on it), never fatal to the others. */
export async function registerAll(
  entries: readonly BackendEntry[] = BACKENDS,
): Promise<RegistrationFailure[]> {
  const failures: RegistrationFailure[] = [];
  for (const entry of entries) {
    try {
      await entry.register();
    } catch (error) {
      failures.push({ name: entry.name, error });
    }
  }
  return failures;
}

// The memory estimate's largest array comes from the backend's own memory: webgpu's (the adapter's largest storage
// binding, SwiftShader in Node) where an adapter opens, none for wasm and the reference.
import { backendMemory, disposeBackends } from '@lora/core';
import { useSoftwareVulkan } from '@lora/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { arrayLimitOf } from './backend.js';

useSoftwareVulkan();
afterAll(async () => {
  await disposeBackends();
});

describe('arrayLimitOf', () => {
  test.each(['wasm', 'reference'] as const)('%s: no largest array', async (choice) => {
    expect(await arrayLimitOf(choice)).toBeUndefined();
  });

  test("webgpu: its memory's maxArrayBytes, the adapter's largest storage binding (none without an adapter)", async (ctx) => {
    const limit = await arrayLimitOf('webgpu');
    const { webgpuDevice } = await import('@lora/backend-webgpu');
    const gpu = webgpuDevice();
    if (!gpu) {
      expect(limit).toBeUndefined();
      ctx.skip('no WebGPU adapter (install chromium and libvulkan1 for SwiftShader)');
      return;
    }
    expect(limit).toEqual({ bytes: backendMemory('webgpu').maxArrayBytes, backend: 'webgpu' });
    const binding = Math.min(gpu.maxStorageBufferBindingSize, gpu.maxBufferSize);
    expect(limit!.bytes).toBeLessThanOrEqual(binding); // in whole 16-byte units
    expect(limit!.bytes).toBeGreaterThan(binding - 16);
  });
});

import { afterEach, describe, expect, test } from 'vitest';
import { registerOpaqueBackend } from './device/opaque-backend.js';
import { referenceKernels } from './register-reference.js';
import {
  BackendError,
  backendReport,
  disposeBackends,
  getBackend,
  kernel,
  registerBackend,
  registerKernel,
  setBackend,
} from './registry.js';

describe('kernel registry', () => {
  afterEach(async () => {
    delete process.env.LORA_BACKEND;
    await disposeBackends();
  });

  test('serves the active backend kernel and falls back to the reference, reporting it', async () => {
    const calls: string[] = [];
    registerBackend({ name: 'test-ref', priority: -100, isAvailable: () => true });
    registerKernel({ name: 'silu', backend: 'reference', impl: () => calls.push('reference-silu') });
    registerKernel({ name: 'softmax', backend: 'reference', impl: () => calls.push('reference-softmax') });
    registerBackend({ name: 'fast', priority: 1000, isAvailable: () => true, describe: () => 'test device' });
    registerKernel({ name: 'silu', backend: 'fast', impl: () => calls.push('fast-silu') });

    expect(await setBackend()).toBe('fast');
    const x = new Float32Array(1);
    kernel('silu')({ x, out: x, n: 1 });
    kernel('softmax')({ x, out: x, rows: 1, cols: 1 });
    expect(calls).toEqual(['fast-silu', 'reference-softmax']);
    expect(backendReport(['silu', 'softmax'])).toBe('backend: fast (test device); reference serves softmax');
  });

  test('skips unavailable backends and honours LORA_BACKEND', async () => {
    registerBackend({ name: 'broken', priority: 2000, isAvailable: () => false });
    registerBackend({ name: 'other', priority: 10, isAvailable: () => true });
    expect(await setBackend()).not.toBe('broken');
    process.env.LORA_BACKEND = 'other';
    expect(await setBackend()).toBe('other');
    expect(getBackend()).toBe('other');
  });

  test('an unknown or unavailable backend is a clear error', async () => {
    registerBackend({ name: 'broken', priority: 2000, isAvailable: () => false });
    await expect(setBackend('nope')).rejects.toThrow(/backend "nope" is not registered: expected one of/);
    await expect(setBackend('broken')).rejects.toThrow(BackendError);
  });

  test('a device backend lacking a kernel throws, but a host kernel falls back to the reference there', async () => {
    registerOpaqueBackend('opaque-registry-test');
    registerBackend({
      name: 'device-without-kernels',
      priority: -100,
      isAvailable: () => true,
      memory: () => registerOpaqueBackend('opaque-registry-test'),
    });
    await setBackend('device-without-kernels');
    expect(() => kernel('softmax')).toThrow(
      'kernel "softmax" has no implementation on device backend "device-without-kernels"',
    );
    expect(kernel('quantize4bitBlockwise')).toBe(referenceKernels.quantize4bitBlockwise);
    expect(backendReport(['quantize4bitBlockwise'])).toBe(
      'backend: device-without-kernels; reference serves quantize4bitBlockwise',
    );
  });
});

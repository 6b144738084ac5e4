import { describe, expect, test, vi } from 'vitest';
import {
  backendReport,
  HOST_KERNEL_NAMES,
  KERNEL_NAMES,
  kernel,
  REFERENCE_BACKEND,
  registeredBackends,
  setBackend,
} from './index.js';

describe('the reference backend, registered on import', () => {
  test('serves every kernel in KERNEL_NAMES and HOST_KERNEL_NAMES before any setBackend', async () => {
    // the test files share a module cache, and another may have set a backend: this looks at a fresh registry
    vi.resetModules();
    const fresh = await import('./index.js');
    expect(fresh.getBackend()).toBe(REFERENCE_BACKEND);
    const all = [...KERNEL_NAMES, ...HOST_KERNEL_NAMES];
    for (const name of all) expect(fresh.kernel(name)).toBe(fresh.referenceKernels[name]);
    expect(new Set(fresh.kernelsOf(REFERENCE_BACKEND))).toEqual(new Set(all));
  });

  test('is registered, always available, and reports no fallbacks', async () => {
    expect(registeredBackends()).toContain(REFERENCE_BACKEND);
    expect(await setBackend(REFERENCE_BACKEND)).toBe(REFERENCE_BACKEND);
    expect(backendReport(KERNEL_NAMES)).toBe('backend: reference (plain TypeScript, float64 sums)');
  });

  test('kernel("matmul") computes', () => {
    const out = new Float32Array(1);
    kernel('matmul')({ a: Float32Array.from([1, 2]), b: Float32Array.from([3, 4]), out, m: 1, n: 1, k: 2 });
    expect(out[0]).toBe(11);
  });
});

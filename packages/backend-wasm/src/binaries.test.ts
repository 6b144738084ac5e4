import { describe, expect, test } from 'vitest';
import { loadKernelBinary } from './binaries.js';
import { WasmBuildMissingError } from './errors.js';

describe('loadKernelBinary', () => {
  test.each([
    ['simd', true],
    ['simd', false],
    ['relaxed', true],
    ['relaxed', false],
  ] as const)('the generated %s kernels (shared memory: %s) are a wasm module', async (variant, shared) => {
    const bytes = await loadKernelBinary(variant, shared);
    expect([...bytes.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
    if (variant === 'simd') expect(WebAssembly.validate(bytes)).toBe(true);
  });

  test('a missing generated file says to run pnpm install', async () => {
    // @ts-expect-error: the file is absent on purpose, as in a clone where prepare never ran
    const missing = () => import('./generated/never-built.js');
    const error = await loadKernelBinary('simd', true, missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WasmBuildMissingError);
    expect((error as Error).message).toMatch(/expected src\/generated\/kernels\.ts.*run pnpm install/);
    expect((error as Error).cause).toBeDefined();
  });
});

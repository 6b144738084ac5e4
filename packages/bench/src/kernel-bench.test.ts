import { KERNEL_NAMES } from '@lora/core';
import { expect, test } from 'vitest';
import { flopsOf, type KernelTiming, kernelTable, largestCase } from './kernel-bench.js';

test('every kernel has a largest conformance case, and products count 2·m·n·k·batch flops', () => {
  for (const kernel of KERNEL_NAMES) expect(largestCase(kernel), kernel).toBeDefined();
  expect(flopsOf('matmul', { m: 2, n: 3, k: 5 })).toBe(60);
  expect(flopsOf('batchedMatmul', { m: 2, n: 3, k: 5, batch: 7 })).toBe(420);
  expect(flopsOf('softmax', { rows: 2, cols: 3 })).toBeUndefined();
});

test('the kernel table shows GFLOP/s for products, GB/s for the rest, and a dash where a backend has no kernel', () => {
  const timings: KernelTiming[] = [
    { kernel: 'matmul', case: 'NN 2×3×5', backend: 'wasm', ms: 0.5, gflops: 12.34 },
    { kernel: 'matmul', case: 'NN 2×3×5', backend: 'webgpu', ms: 0.25, gflops: 24.68 },
    { kernel: 'softmax', case: '3×7', backend: 'wasm', ms: 0.125, gbps: 1.5 },
  ];
  const lines = kernelTable(timings, ['wasm', 'webgpu']).split('\n');
  expect(lines[2]).toMatch(/^matmul +NN 2×3×5 +0\.500 ms \(12\.3 GFLOP\/s\) +0\.250 ms \(24\.7 GFLOP\/s\)$/);
  expect(lines[3]).toMatch(/^softmax +3×7 +0\.125 ms \(1\.50 GB\/s\) +—$/);
  expect(lines).toHaveLength(4);
});

// Matmul GFLOP/s per gpu.js mode, with @lora/core's reference as the baseline in the same run:
// Node modes here, browser modes (webgl2, webgpu via SwiftShader) in headless Chromium when /usr/bin/chromium exists.
// Usage: pnpm --filter @lora/backend-gpujs gflops [size]   (default 256; timings on a shared machine are provisional)

import type { HostArgs, MatmulArgs } from '@lora/core';
import { referenceKernels } from '@lora/core';
import { chromiumPresent } from '@lora/testing/chromium';
import { gpujsKernels } from '../src/backend.js';
import { probeMode } from '../src/probe.js';
import { KernelRunner } from '../src/runner.js';
import { runPageChecks } from '../src/test-support/chromium.js';

const size = Number(process.argv[2] ?? 256);

function gflops(matmul: (args: HostArgs<MatmulArgs>) => void): number {
  const args: HostArgs<MatmulArgs> = {
    a: Float32Array.from({ length: size * size }, (_, i) => Math.sin(i)),
    b: Float32Array.from({ length: size * size }, (_, i) => Math.cos(i)),
    out: new Float32Array(size * size),
    m: size,
    n: size,
    k: size,
  };
  matmul(args); // compile and warm up
  const reps = 3;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) matmul(args);
  return (2 * size ** 3) / ((performance.now() - t0) / 1000 / reps) / 1e9;
}

const rows: [string, string, number][] = [
  ['node', 'reference (plain TypeScript)', gflops(referenceKernels.matmul)],
];
for (const mode of ['webasm', 'cpu'] as const) {
  if (!(await probeMode(mode)).available) continue;
  const runner = new KernelRunner(mode);
  rows.push(['node', `gpujs-${mode}`, gflops(gpujsKernels(runner).matmul)]);
  await runner.destroy();
}
if (chromiumPresent) {
  const report = await runPageChecks(['webgl2', 'webgpu', 'webasm', 'cpu'], size);
  for (const g of report.gflops) rows.push(['chromium', g.backend, g.gflops]);
}
console.log(`matmul ${size}×${size}×${size}, f32, GFLOP/s`);
console.log('| where | backend | GFLOP/s |\n|---|---|---|');
for (const [where, name, value] of rows) console.log(`| ${where} | ${name} | ${value.toFixed(3)} |`);

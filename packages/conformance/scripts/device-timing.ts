// Times kernels on device-resident arrays in headless Chromium: gpu.js on WebGL2 and on WebGPU against the WGSL
// backend on the same WebGPU adapter, one page for all. On SwiftShader (software) only the ratios mean anything.
// Run: `cd packages/conformance && npx tsx --conditions=@lora/source scripts/device-timing.ts`
import { inChromium } from '../../backend-gpujs/src/test-support/chromium.js';
import type { Timing } from './timing-page.js';

const BACKENDS = ['gpujs-webgl2', 'gpujs-webgpu', 'webgpu'];

const { timings, available } = await inChromium(new URL('./timing-page.ts', import.meta.url), (page) =>
  page.evaluate(
    (backends) =>
      (
        globalThis as unknown as {
          timingPage: { time(b: string[]): Promise<{ timings: Timing[]; available: string[] }> };
        }
      ).timingPage.time(backends),
    BACKENDS,
  ),
);
const shown = BACKENDS.filter((b) => available.includes(b));
const rows = [...new Set(timings.map((t) => `${t.kernel} ${t.shape}`))];
const cell = (t: Timing | undefined) =>
  t ? `${t.ms.toFixed(2)} ms${t.gflops !== undefined ? ` (${t.gflops.toFixed(2)} GFLOP/s)` : ''}` : '—';
const wgsl = (row: string) => timings.find((t) => t.backend === 'webgpu' && `${t.kernel} ${t.shape}` === row);
console.log(`| kernel | ${shown.join(' | ')} | gpujs-webgpu ÷ webgpu |`);
console.log(`|---|${shown.map(() => '---|').join('')}---|`);
for (const row of rows) {
  const at = (b: string) => timings.find((t) => t.backend === b && `${t.kernel} ${t.shape}` === row);
  const ratio =
    at('gpujs-webgpu') && wgsl(row) ? `${(at('gpujs-webgpu')!.ms / wgsl(row)!.ms).toFixed(1)}×` : '—';
  console.log(`| ${row} | ${shown.map((b) => cell(at(b))).join(' | ')} | ${ratio} |`);
}

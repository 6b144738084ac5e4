// The GPU path for real, in headless Chromium (WebGL2 through SwiftShader, and WebGPU through its fallback adapter
// where this Chromium exposes one): the device backends train the tiny model as the reference does, reading back once
// per step, and the host-array kernels match the reference. Every kernel on device arrays is checked against the
// conformance catalogue by packages/conformance/src/chromium.test.ts.
import { expectClose } from '@lora/testing';
import { CHROMIUM_ABSENT, chromiumPresent } from '@lora/testing/chromium';
import { beforeAll, describe, expect, test } from 'vitest';
import type { PageReport, PageTraining } from './test-support/browser-page.js';
import { runPageChecks } from './test-support/chromium.js';

const title = chromiumPresent
  ? 'gpu.js webgl2 and webgpu in headless Chromium (SwiftShader)'
  : `gpu.js webgl2 in headless Chromium (skipped: ${CHROMIUM_ABSENT})`;

describe.skipIf(!chromiumPresent)(title, () => {
  let report: PageReport;
  beforeAll(async () => {
    report = await runPageChecks(['webgl2', 'webgpu', 'webasm'], 0);
  }, 300_000); // compiling every kernel twice on SwiftShader, on a shared machine

  test('webgl2 is a device backend here, ranked below wasm on a software rasterizer; webgpu where an adapter is', () => {
    const webgl2 = report.probes.find((p) => p.mode === 'webgl2');
    expect(webgl2, JSON.stringify(report.probes)).toMatchObject({ available: true, hardware: false });
    expect(report.available).toContain('gpujs-webgl2');
    const webgpu = report.probes.find((p) => p.mode === 'webgpu');
    expect(report.available.includes('gpujs-webgpu')).toBe(webgpu?.available === true);
    // a device backend serves every kernel itself: no "reference serves …" tail
    expect(report.reports).toContain(`backend: gpujs-webgl2 (gpu.js webgl2 on ${webgl2?.device})`);
  });

  test('the host-array kernels (gpujsKernels, gpujsAsyncKernels) match the reference on odd shapes', () => {
    const webgl2 = report.checks.filter((c) => c.backend === 'gpujs-webgl2 (host arrays)');
    expect(new Set(webgl2.map((c) => c.kernel)).size).toBe(18);
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
  });

  describe.each(['gpujs-webgl2', 'gpujs-webgpu'])('%s trains the tiny QLoRA model', (backend) => {
    const run = (name: string): PageTraining | undefined => report.training.find((t) => t.backend === name);

    test('with the reference losses, token counts, hits and gradient norms', (context) => {
      const mine = run(backend);
      if (!mine) return context.skip(`${backend} is not available in this Chromium`);
      const reference = run('reference')!;
      expect(mine.steps.map((s) => s.tokens)).toEqual(reference.steps.map((s) => s.tokens));
      expect(mine.steps.map((s) => s.hits)).toEqual(reference.steps.map((s) => s.hits));
      expect(mine.steps.map((s) => s.nonFinite)).toEqual(reference.steps.map(() => 0));
      const losses = (t: PageTraining) => Float64Array.from(t.steps, (s) => s.loss);
      const norms = (t: PageTraining) => Float64Array.from(t.steps, (s) => s.gradNorm);
      expectClose(losses(mine), losses(reference), { rtol: 1e-5, atol: 0 }, `${backend} losses`);
      expectClose(norms(mine), norms(reference), { rtol: 1e-4, atol: 0 }, `${backend} gradient norms`);
      expect(losses(mine)[3]).toBeLessThan(losses(mine)[0]!); // it learns
      expectClose(
        Float64Array.from(mine.parameters),
        Float64Array.from(reference.parameters),
        { rtol: 1e-4, atol: 1e-5 },
        `${backend} parameters after ${mine.steps.length} steps`,
      );
    });

    test('reading back once per optimizer step, uploading nothing, freeing what it allocates', (context) => {
      const mine = run(backend);
      if (!mine) return context.skip(`${backend} is not available in this Chromium`);
      expect(mine.perStep).toMatchObject({ readbacks: 1, uploads: 0 });
      expect(mine.perStep.dispatches).toBeGreaterThan(50);
      expect(mine.leftAllocated).toBe(0);
    });
  });
});

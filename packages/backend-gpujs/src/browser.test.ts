// The GPU path for real: every gpu.js kernel in headless Chromium (WebGL2 through SwiftShader, and WebGPU through
// its fallback adapter when exposed) must match @lora/core's reference there.
import { describe, expect, test } from 'vitest';
import { CHROMIUM, chromiumPresent, runPageChecks } from './test-support/chromium.js';

const title = chromiumPresent
  ? 'gpu.js webgl2 and webgpu in headless Chromium (SwiftShader)'
  : `gpu.js webgl2 in headless Chromium (skipped: ${CHROMIUM} is absent; apt-get install chromium, or set LORA_CHROMIUM)`;

describe.skipIf(!chromiumPresent)(title, () => {
  test('webgl2 (and webgpu, awaited) run every kernel as the reference does on odd shapes', async () => {
    const report = await runPageChecks(['webgl2', 'webgpu', 'webasm'], 0);
    const webgl2 = report.probes.find((p) => p.mode === 'webgl2');
    expect(webgl2, JSON.stringify(report.probes)).toMatchObject({ available: true });
    expect(webgl2?.hardware).toBe(false); // SwiftShader is a software rasterizer: ranks below wasm
    expect(report.available).toContain('gpujs-webgl2');
    expect(report.available).not.toContain('gpujs-webgpu');
    const webgl2Checks = report.checks.filter((c) => c.backend === 'gpujs-webgl2');
    expect(new Set(webgl2Checks.map((c) => c.kernel)).size).toBe(16);
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
    const webgpu = report.probes.find((p) => p.mode === 'webgpu');
    expect(webgpu?.available).toBe(false); // a Promise-only readback cannot serve synchronous kernels
    if (webgpu?.asyncAvailable) {
      // SwiftShader's WebGPU fallback adapter, when this Chromium exposes one: same kernels, awaited
      const webgpuChecks = report.checks.filter((c) => c.backend === 'gpujs-webgpu (async)');
      expect(new Set(webgpuChecks.map((c) => c.kernel)).size).toBe(16);
    }
    expect(report.reports).toContain(
      `backend: gpujs-webgl2 (gpu.js webgl2 on ${webgl2?.device}); reference serves embedding, embeddingBackward, nf4Matmul, fill, stridedCopy, add, mul, axpy, scale, addBias, columnSums, dropout, uniformNoise, causalSoftmax, argmaxChunk, crossEntropyStats, sumSquares, gradClip, countNonFinite, dequantizeAbsmax`,
    );
  });
});

// Honest availability: a mode is available only when its gpu.js backend exists here and a 2×2 matmul comes back right.
import { GPU, WebAssemblyKernel } from 'gpu.js';
import { matmulPlan } from './matmul.js';
import type { GpujsMode } from './modes.js';
import { KernelRunner } from './runner.js';

export interface ModeProbe {
  mode: GpujsMode;
  /** it works here: registerGpujsBackends can serve it (webgpu as a device backend, its results awaited inside) */
  available: boolean;
  /** its host-array kernels work here through gpujsAsyncKernels */
  asyncAvailable: boolean;
  /** why not, when unavailable */
  reason?: string;
  /** the device in words (GL renderer, "WebAssembly f32x4 SIMD", ...) */
  device: string;
  /** a real GPU rather than a software rasterizer or the CPU */
  hardware: boolean;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|lavapipe|microsoft basic render/i;

/** Probe a mode: platform support, then a compiled 2×2 matmul checked against [[19, 22], [43, 50]]. */
export async function probeMode(mode: GpujsMode): Promise<ModeProbe> {
  const none = { mode, available: false, asyncAvailable: false, hardware: false };
  const gap = platformGap(mode) ?? (mode === 'webgpu' ? await adapterGap() : undefined);
  if (gap) return { ...none, reason: gap, device: 'none' };
  const runner = new KernelRunner(mode);
  try {
    const out = new Float32Array(4);
    const plan = matmulPlan({
      a: Float32Array.of(1, 2, 3, 4),
      b: Float32Array.of(5, 6, 7, 8),
      out,
      m: 2,
      n: 2,
      k: 2,
    });
    if (mode === 'webgpu') await runner.runAsync(plan);
    else runner.run(plan);
    const got = Array.from(out).join();
    if (got !== '19,22,43,50')
      return { ...none, reason: `2×2 check: expected 19,22,43,50, got ${got}`, device: 'unknown' };
    const [degraded, why] = [...runner.degraded][0] ?? [];
    if (degraded)
      return { ...none, reason: `gpu.js ran the 2×2 check on its cpu backend: ${why}`, device: 'cpu' };
    if (mode === 'webgpu') return { mode, available: true, asyncAvailable: true, ...(await webgpuDevice()) };
    return { mode, available: true, asyncAvailable: true, ...deviceOf(mode, runner) };
  } catch (cause) {
    return { ...none, reason: (cause as Error).message, device: 'unknown' };
  } finally {
    await runner.destroy();
  }
}

function platformGap(mode: GpujsMode): string | undefined {
  switch (mode) {
    case 'webgpu':
      return GPU.isWebGPUSupported ? undefined : 'navigator.gpu is absent';
    case 'webgl2':
      return GPU.isWebGL2Supported ? undefined : 'WebGL2 is absent (no browser canvas context)';
    case 'headlessgl':
      return GPU.isHeadlessGLSupported
        ? undefined
        : 'the native "gl" package is not built or cannot open a context';
    case 'webasm':
      return GPU.isWebAssemblySupported ? undefined : 'WebAssembly is absent';
    case 'cpu':
      return undefined;
  }
}

async function adapterGap(): Promise<string | undefined> {
  return (await GPU.isWebGPUAvailable().catch(() => false)) ? undefined : 'navigator.gpu has no adapter';
}

interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

async function webgpuDevice(): Promise<{ device: string; hardware: boolean }> {
  const gpu = (
    globalThis.navigator as unknown as { gpu: { requestAdapter(): Promise<{ info?: AdapterInfo } | null> } }
  ).gpu;
  const info = (await gpu.requestAdapter())?.info ?? {};
  const device = ['WebGPU', info.vendor, info.architecture, info.description].filter((p) => p).join(' ');
  const software = info.isFallbackAdapter === true || SOFTWARE_RENDERER.test(device);
  return { device: software ? `${device} (fallback adapter)` : device, hardware: !software };
}

function deviceOf(mode: GpujsMode, runner: KernelRunner): { device: string; hardware: boolean } {
  if (mode === 'cpu') return { device: 'plain JavaScript on the CPU', hardware: false };
  if (mode === 'webasm') {
    const simd = (WebAssemblyKernel as unknown as { isSIMDSupported: boolean }).isSIMDSupported;
    return { device: `WebAssembly${simd ? ' f32x4 SIMD' : ''}, single thread`, hardware: false };
  }
  const gl = runner.glContext();
  if (!gl) return { device: 'GL context of unknown renderer', hardware: false };
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  return { device: renderer, hardware: !SOFTWARE_RENDERER.test(renderer) };
}

// The gpu.js modes this backend wraps, their registry names and their priorities.

export const GPUJS_MODES = ['webgpu', 'webgl2', 'headlessgl', 'webasm', 'cpu'] as const;

export type GpujsMode = (typeof GPUJS_MODES)[number];

/** Registry name of a mode's backend: `gpujs-<mode>`. */
export function backendName(mode: GpujsMode): string {
  return `gpujs-${mode}`;
}

export function isGpujsMode(value: string): value is GpujsMode {
  return (GPUJS_MODES as readonly string[]).includes(value);
}

/**
 * Automatic-selection priority. `wasm` (hand-tuned SIMD) is 100: a GPU mode outranks it only on a real device;
 * a software rasterizer (SwiftShader, llvmpipe) and gpu.js's own CPU modes stay below it. On WebGPU the hand-written
 * WGSL backend (`webgpu`, 200: tiled, workgroup memory) outranks gpu.js's.
 */
export function modePriority(mode: GpujsMode, hardware: boolean): number {
  switch (mode) {
    case 'webgpu':
      return hardware ? 190 : 40;
    case 'webgl2':
      return hardware ? 200 : 35;
    case 'headlessgl':
      return hardware ? 150 : 30;
    case 'webasm':
      return 50;
    case 'cpu':
      return 10;
  }
}

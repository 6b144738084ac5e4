/// <reference types="@webgpu/types" />
// Opening a WebGPU device: navigator.gpu in a browser (or a worker), the `webgpu` npm package (Dawn) in Node. The
// device asks for the adapter's own limits, so large models bind buffers as big as the hardware allows.

/** What the adapter is and what the device may do, for the start-up report and the memory planner. */
export interface GpuDescription {
  /** e.g. "nvidia ampere (NVIDIA GeForce RTX 3080)" or "google swiftshader (SwiftShader driver 5.0.0)" */
  name: string;
  /** a software adapter (SwiftShader, WARP): correct, but no faster than the CPU */
  isFallback: boolean;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  shaderF16: boolean;
}

export interface GpuContext {
  device: GPUDevice;
  description: GpuDescription;
}

/** An error of the WebGPU backend, e.g. a host array passed to a webgpu kernel. */
export class WebGpuError extends Error {
  override name = 'WebGpuError';
}

let nodeGpu: GPU | undefined; // the Dawn instance must outlive every device it made

async function findGpu(): Promise<GPU | undefined> {
  const navigatorGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (navigatorGpu) return navigatorGpu;
  const isNode = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  if (!isNode) return undefined;
  if (nodeGpu) return nodeGpu;
  try {
    const dawnPackage = 'webgpu'; // a name in a variable: bundlers leave this Node-only import alone
    const dawn = (await import(/* @vite-ignore */ dawnPackage)) as { create: (flags: string[]) => GPU };
    nodeGpu = dawn.create([]);
    return nodeGpu;
  } catch {
    return undefined; // the optional `webgpu` package is not installed, or has no binary for this platform
  }
}

function describe(adapter: GPUAdapter): GpuDescription {
  const info = adapter.info;
  const isFallback =
    (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
    (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
    false;
  const words = [info.vendor, info.architecture].filter((w) => w && w.length > 0).join(' ');
  const name = `${words || 'unknown adapter'}${info.description ? ` (${info.description})` : ''}`;
  const l = adapter.limits;
  return {
    name,
    isFallback,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    shaderF16: adapter.features.has('shader-f16'),
  };
}

/** The adapter (high-performance preferred) and a device with its limits, or undefined when there is none. */
export async function openGpu(): Promise<GpuContext | undefined> {
  const gpu = await findGpu();
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return undefined;
  const description = describe(adapter);
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  });
  return { device, description };
}

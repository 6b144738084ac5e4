// Registers the wasm backend's elementwise kernels with @lora/core; each call runs on the current engine.
import { type KernelName, type KernelSignatures, registerKernel } from '@lora/core';
import * as kernels from './elementwise-kernels.js';
import * as layers from './elementwise-layers.js';
import { ElementwiseRunner } from './elementwise-run.js';
import type { WasmGemmEngine } from './engine.js';

/** The kernels this package serves besides the GEMMs, each with its implementation over a runner. */
export const ELEMENTWISE_KERNELS = {
  softmax: kernels.softmax,
  softmaxBackward: kernels.softmaxBackward,
  rmsnorm: kernels.rmsnorm,
  rmsnormBackward: kernels.rmsnormBackward,
  silu: kernels.silu,
  siluBackward: kernels.siluBackward,
  geluTanh: kernels.geluTanh,
  geluTanhBackward: kernels.geluTanhBackward,
  crossEntropyChunk: kernels.crossEntropyChunk,
  crossEntropyChunkBackward: kernels.crossEntropyChunkBackward,
  layernorm: layers.layernorm,
  layernormBackward: layers.layernormBackward,
  rope: layers.rope,
  embedding: layers.embedding,
  embeddingBackward: layers.embeddingBackward,
  adamw: layers.adamw,
} satisfies {
  [K in KernelName]?: (run: ElementwiseRunner, args: Parameters<KernelSignatures[K]>[0]) => void;
};

export type ElementwiseKernelName = keyof typeof ELEMENTWISE_KERNELS;

const runners = new WeakMap<WasmGemmEngine, ElementwiseRunner>();

/** The runner of `engine` (one per engine, created on first use). */
export function elementwiseRunner(engine: WasmGemmEngine): ElementwiseRunner {
  let runner = runners.get(engine);
  if (!runner) runners.set(engine, (runner = new ElementwiseRunner(engine)));
  return runner;
}

/** Register every kernel of ELEMENTWISE_KERNELS for `backend`; `engine()` gives the engine at call time. */
export function registerElementwiseKernels(backend: string, engine: () => WasmGemmEngine): void {
  for (const name of Object.keys(ELEMENTWISE_KERNELS) as ElementwiseKernelName[]) {
    const impl = ELEMENTWISE_KERNELS[name] as (run: ElementwiseRunner, args: unknown) => void;
    registerKernel({
      name,
      backend,
      impl: ((args: unknown) => impl(elementwiseRunner(engine()), args)) as KernelSignatures[typeof name],
    });
  }
}

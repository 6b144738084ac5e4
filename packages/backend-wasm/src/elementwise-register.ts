// Registers the wasm backend's elementwise kernels with @lora/core; each call runs on the current engine.
import { type HostKernelSignatures, type KernelName, registerHostKernel } from '@lora/core';
import * as arith from './elementwise-arith.js';
import * as attention from './elementwise-causal-softmax.js';
import * as copies from './elementwise-fill-copy.js';
import * as kernels from './elementwise-kernels.js';
import * as layers from './elementwise-layers.js';
import * as optimizers from './elementwise-optimizers.js';
import * as random from './elementwise-random.js';
import * as stats from './elementwise-stats.js';
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
  sgd: optimizers.sgd,
  adamw8bit: optimizers.adamw8bit,
  fill: copies.fill,
  stridedCopy: copies.stridedCopy,
  add: arith.add,
  mul: arith.mul,
  axpy: arith.axpy,
  scale: arith.scale,
  addBias: arith.addBias,
  columnSums: arith.columnSums,
  dropout: random.dropout,
  uniformNoise: random.uniformNoise,
  causalSoftmax: attention.causalSoftmax,
  argmaxChunk: stats.argmaxChunk,
  crossEntropyStats: stats.crossEntropyStats,
  sumSquares: stats.sumSquares,
  gradClip: stats.gradClip,
  countNonFinite: stats.countNonFinite,
  dequantizeAbsmax: stats.dequantizeAbsmax,
} satisfies {
  [K in KernelName]?: (run: ElementwiseRunner, args: Parameters<HostKernelSignatures[K]>[0]) => void;
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
    registerHostKernel({
      name,
      backend,
      impl: ((args: unknown) => impl(elementwiseRunner(engine()), args)) as HostKernelSignatures[typeof name],
    });
  }
}

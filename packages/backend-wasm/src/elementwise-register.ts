// Registers the wasm backend's elementwise kernels with @lora/core; each call runs on the current engine.
import {
  checkHostArrays,
  checkKernelArgs,
  type HostArgs,
  type HostKernelSignatures,
  type KernelArgs,
  type KernelName,
  registerHostKernel,
} from '@lora/core';
import * as arith from './elementwise-arith.js';
import * as attention from './elementwise-causal-softmax.js';
import * as copies from './elementwise-fill-copy.js';
import * as kernels from './elementwise-kernels.js';
import * as layers from './elementwise-layers.js';
import * as optimizers from './elementwise-optimizers.js';
import * as quantize from './elementwise-quantize.js';
import * as random from './elementwise-random.js';
import { ElementwiseRunner } from './elementwise-run.js';
import * as stats from './elementwise-stats.js';
import type { WasmGemmEngine } from './engine.js';

/**
 * `impl` behind the kernel's boundary checks: @lora/core's argument check (the reference's, same messages), then the
 * exact typed array of every array argument (the wasm side reads them as bytes).
 */
function checked<K extends KernelName>(
  name: K,
  impl: (run: ElementwiseRunner, args: HostArgs<KernelArgs<K>>) => void,
): (run: ElementwiseRunner, args: HostArgs<KernelArgs<K>>) => void {
  return (run, args) => {
    checkKernelArgs(name, args as KernelArgs<K>);
    checkHostArrays(name, args);
    impl(run, args);
  };
}

/** The kernels this package serves besides the GEMMs, each with its implementation over a runner, checked. */
export const ELEMENTWISE_KERNELS = {
  softmax: checked('softmax', kernels.softmax),
  softmaxBackward: checked('softmaxBackward', kernels.softmaxBackward),
  rmsnorm: checked('rmsnorm', kernels.rmsnorm),
  rmsnormBackward: checked('rmsnormBackward', kernels.rmsnormBackward),
  silu: checked('silu', kernels.silu),
  siluBackward: checked('siluBackward', kernels.siluBackward),
  geluTanh: checked('geluTanh', kernels.geluTanh),
  geluTanhBackward: checked('geluTanhBackward', kernels.geluTanhBackward),
  softcap: checked('softcap', kernels.softcap),
  softcapBackward: checked('softcapBackward', kernels.softcapBackward),
  crossEntropyChunk: checked('crossEntropyChunk', kernels.crossEntropyChunk),
  crossEntropyChunkBackward: checked('crossEntropyChunkBackward', kernels.crossEntropyChunkBackward),
  layernorm: checked('layernorm', layers.layernorm),
  layernormBackward: checked('layernormBackward', layers.layernormBackward),
  rope: checked('rope', layers.rope),
  embedding: checked('embedding', layers.embedding),
  embeddingBackward: checked('embeddingBackward', layers.embeddingBackward),
  adamw: checked('adamw', layers.adamw),
  sgd: checked('sgd', optimizers.sgd),
  adamw8bit: checked('adamw8bit', optimizers.adamw8bit),
  fill: checked('fill', copies.fill),
  stridedCopy: checked('stridedCopy', copies.stridedCopy),
  add: checked('add', arith.add),
  mul: checked('mul', arith.mul),
  axpy: checked('axpy', arith.axpy),
  scale: checked('scale', arith.scale),
  addBias: checked('addBias', arith.addBias),
  columnSums: checked('columnSums', arith.columnSums),
  dropout: checked('dropout', random.dropout),
  uniformNoise: checked('uniformNoise', random.uniformNoise),
  causalSoftmax: checked('causalSoftmax', attention.causalSoftmax),
  argmaxChunk: checked('argmaxChunk', stats.argmaxChunk),
  crossEntropyStats: checked('crossEntropyStats', stats.crossEntropyStats),
  sumSquares: checked('sumSquares', stats.sumSquares),
  gradClip: checked('gradClip', stats.gradClip),
  countNonFinite: checked('countNonFinite', stats.countNonFinite),
  dequantizeAbsmax: checked('dequantizeAbsmax', stats.dequantizeAbsmax),
  quantize4bitBlockwise: checked('quantize4bitBlockwise', quantize.quantize4bitBlockwise),
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

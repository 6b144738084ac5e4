// Registers backend "wasm" with @lora/core: matmul, batchedMatmul and nf4Matmul on the WebAssembly SIMD engine, and
// the elementwise kernels (src/elementwise-register.ts).
import {
  type HostArgs,
  type BatchedMatmulArgs,
  type MatmulArgs,
  type Nf4MatmulArgs,
  registerBackend,
  registerHostKernel,
  registerTypedArrayMemory,
  unregisterTypedArrayMemory,
} from '@lora/core';
import { registerElementwiseKernels } from './elementwise-register.js';
import { type WasmEngineOptions, WasmGemmEngine } from './engine.js';
import { WasmBackendError } from './errors.js';
import { detectFeatures } from './features.js';
import { WasmMemory } from './wasm-memory.js';

/** The backend name `registerWasmBackend` registers, for `setBackend('wasm')`. */
export const WASM_BACKEND = 'wasm';
/** Priority in the automatic backend choice: above the reference backend (0), below WebGPU (200). */
export const WASM_PRIORITY = 100;

let engine: WasmGemmEngine | undefined;
let memory: WasmMemory | undefined;

/**
 * Register backend "wasm" (priority 100) and its kernels. Compiles the kernels and creates the wasm memory
 * now, so wasmAllocF32 works at once; the worker threads start when the backend is selected (setBackend).
 * Where WebAssembly SIMD is missing the backend is registered as unavailable.
 */
export async function registerWasmBackend(options: WasmEngineOptions = {}): Promise<void> {
  await engine?.dispose();
  if (memory) unregisterTypedArrayMemory(memory);
  engine = detectFeatures().simd ? await WasmGemmEngine.create(options) : undefined;
  // arrays live in wasm memory only where it is shared: unshared memory cannot grow (for staging) while they live
  memory = engine?.heap.shared ? new WasmMemory(engine.heap) : undefined;
  if (memory) registerTypedArrayMemory(memory);
  const [current, arrays] = [engine, memory];
  registerBackend({
    name: WASM_BACKEND,
    priority: WASM_PRIORITY,
    isAvailable: () => current !== undefined,
    init: () => current?.startThreads(),
    dispose: () => current?.stopThreads(),
    describe: () => current?.describe() ?? 'WebAssembly SIMD unavailable',
    ...(arrays ? { memory: () => arrays } : {}),
  });
  registerHostKernel({
    name: 'matmul',
    backend: WASM_BACKEND,
    impl: (args: HostArgs<MatmulArgs>) => requireEngine().matmul(args),
  });
  registerHostKernel({
    name: 'batchedMatmul',
    backend: WASM_BACKEND,
    impl: (args: HostArgs<BatchedMatmulArgs>) => requireEngine().batchedMatmul(args),
  });
  registerHostKernel({
    name: 'nf4Matmul',
    backend: WASM_BACKEND,
    impl: (args: HostArgs<Nf4MatmulArgs>) => requireEngine().nf4Matmul(args),
  });
  registerElementwiseKernels(WASM_BACKEND, requireEngine);
}

/**
 * The wasm backend's memory (`deviceMemory()` while it is active): where its arrays are, and how many spilled to
 * the JS heap; undefined before registerWasmBackend, without SIMD, or where the wasm memory is not shared.
 */
export function wasmMemory(): WasmMemory | undefined {
  return memory;
}

/**
 * A zeroed Float32Array of n elements that lives in the wasm memory, so matmul uses it in place instead of
 * copying it in (or out, for `out`). Views stay valid when the memory grows (shared memory); where memory is
 * unshared (a browser page that is not crossOriginIsolated), growth that would detach them throws instead.
 */
export function wasmAllocF32(n: number): Float32Array {
  return requireEngine().allocF32(n);
}

/** Return an array from wasmAllocF32 to the allocator; using it afterwards is a bug. */
export function wasmFree(array: Float32Array): void {
  requireEngine().free(array);
}

function requireEngine(): WasmGemmEngine {
  if (!engine) {
    throw new WasmBackendError(
      'wasm backend: expected registerWasmBackend() to have completed on a platform with WebAssembly SIMD',
    );
  }
  return engine;
}

export {
  WASM_BACKEND,
  WASM_PRIORITY,
  registerWasmBackend,
  wasmAllocF32,
  wasmFree,
  wasmMemory,
} from './backend.js';
export { WasmMemory } from './wasm-memory.js';
export type { WasmMemoryStats } from './wasm-memory.js';
export { WasmGemmEngine } from './engine.js';
export type { GemmCallStats, WasmEngineOptions } from './engine.js';
export { WasmBackendError, WasmBuildMissingError, WasmMemoryError } from './errors.js';
export { detectFeatures } from './features.js';
export type { WasmFeatures } from './features.js';
export { SIMD_ENV_VAR } from './simd-mode.js';
export type { RelaxedSimdSource, SimdMode } from './simd-mode.js';
export { THREADS_ENV_VAR } from './threads.js';

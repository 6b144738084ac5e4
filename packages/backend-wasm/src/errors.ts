// Errors of the wasm backend: platform or set-up problems, a missing build output, and memory misuse.

/** The wasm backend cannot run here or was used before it was ready. */
export class WasmBackendError extends Error {
  override name = 'WasmBackendError';
}

/** src/generated/kernels.ts (the compiled kernels) is absent: the package's prepare script has not run. */
export class WasmBuildMissingError extends WasmBackendError {
  override name = 'WasmBuildMissingError';
}

/** A wasm-memory allocation failed or would invalidate arrays the caller holds. */
export class WasmMemoryError extends WasmBackendError {
  override name = 'WasmMemoryError';
}

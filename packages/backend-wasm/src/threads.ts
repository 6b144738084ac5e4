// How many threads the GEMM uses: the option, else LORA_THREADS, else the cores Node reports (1 in browsers).
import { WasmBackendError } from './errors.js';

/** The environment variable that sets the wasm backend's thread count (`LORA_THREADS`). */
export const THREADS_ENV_VAR = 'LORA_THREADS';

/** Resolve the thread count; throws WasmBackendError when the option or LORA_THREADS is not a positive integer. */
export function resolveThreads(
  option: number | undefined,
  env: string | undefined,
  available: number,
): number {
  if (option !== undefined) {
    if (!Number.isInteger(option) || option < 1) {
      throw new WasmBackendError(`wasm backend: threads expected a positive integer, got ${option}`);
    }
    return option;
  }
  if (env !== undefined && env.trim() !== '') {
    const value = Number(env);
    if (!Number.isInteger(value) || value < 1) {
      throw new WasmBackendError(
        `wasm backend: ${THREADS_ENV_VAR} expected a positive integer, got "${env}"`,
      );
    }
    return value;
  }
  return Math.max(1, available);
}

/** LORA_THREADS from the environment, when there is one. */
export function threadsFromEnv(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[THREADS_ENV_VAR];
}

export function isNode(): boolean {
  const versions = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions;
  return typeof versions?.node === 'string';
}

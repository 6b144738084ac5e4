// Compute backend of the worker: the WebAssembly SIMD backend by default, WebGPU or gpu.js WebGL2 on request (loaded
// only then), or the plain TypeScript reference; one report line says which runs and what falls back. Before a run,
// the memory estimate asks a GPU backend for its largest array.
import {
  BackendError,
  backendMemory,
  backendReport,
  disposeBackends,
  KERNEL_NAMES,
  setBackend,
} from '@lora/core';
import type { ArrayLimit } from './memory-estimate.js';
import type { BackendChoice } from './protocol.js';

let wasm: { threads: number; registered: Promise<string | undefined> } | undefined;
let webgl2: Promise<string | undefined> | undefined;
let webgpu: Promise<string | undefined> | undefined;

/** Registers `webgpu` once (opening the adapter's device); resolves to why it is unavailable, or undefined. */
function registerWebgpu(): Promise<string | undefined> {
  webgpu ??= import('@lora/backend-webgpu')
    .then(async (m) => {
      await m.registerWebgpuBackend();
      return m.webgpuDevice() ? undefined : 'no WebGPU adapter in this worker (navigator.gpu)';
    })
    .catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
  return webgpu;
}

/**
 * Registers `wasm` on `threads` threads (again when the count changes: a new engine, whose workers start when it is
 * selected); resolves to why it is unavailable, or undefined.
 */
function registerWasm(threads: number): Promise<string | undefined> {
  if (wasm?.threads !== threads) {
    // a backend initializes once: dispose the old engine's threads so that selecting the new one starts its own
    const registered = (wasm ? disposeBackends() : Promise.resolve())
      .then(() => import('@lora/backend-wasm'))
      .then((m) => m.registerWasmBackend({ threads }))
      .then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
    wasm = { threads, registered };
  }
  return wasm.registered;
}

/** Registers `gpujs-webgl2` once (probing a 2×2 matmul); resolves to why it is unavailable, or undefined. */
function registerWebgl2(): Promise<string | undefined> {
  webgl2 ??= import('@lora/backend-gpujs')
    .then((m) => m.registerGpujsBackends({ modes: ['webgl2'] }))
    .then(
      (available) =>
        available.includes('gpujs-webgl2')
          ? undefined
          : 'its 2×2 probe failed or WebGL2 is absent in this worker',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
  return webgl2;
}

/**
 * The largest array of `choice`'s memory — the figure its memory refuses larger arrays by (webgpu: the adapter's
 * largest storage binding), and that the model splits its tables by — registering the backend if it has not been
 * (opening the adapter, as Train would). Undefined for wasm and the reference, whose memories have no such limit, and
 * where the backend cannot load here (Train then says why).
 */
export async function arrayLimitOf(choice: BackendChoice): Promise<ArrayLimit | undefined> {
  const register = { webgpu: registerWebgpu, 'gpujs-webgl2': registerWebgl2 }[choice as string];
  if (!register || (await register()) !== undefined) return undefined;
  const bytes = backendMemory(choice).maxArrayBytes;
  return bytes === undefined ? undefined : { bytes, backend: choice };
}

export interface SelectedBackend {
  name: string;
  /** backendReport's line plus the page's isolation state */
  report: string;
}

/**
 * Select `choice` (`threads`: the wasm backend's, 1 by default — more need a worker of a crossOriginIsolated page);
 * throws BackendError saying why when it cannot run here.
 */
export async function selectBackend(
  choice: BackendChoice,
  isolated: boolean,
  threads = 1,
): Promise<SelectedBackend> {
  const register = {
    wasm: () => registerWasm(threads),
    webgpu: registerWebgpu,
    'gpujs-webgl2': registerWebgl2,
  }[choice as string];
  const problem = register ? await register() : undefined;
  if (problem !== undefined)
    throw new BackendError(`backend ${choice}: expected it to load here, got: ${problem}`);
  const name = await setBackend(choice);
  const isolation = isolated
    ? 'crossOriginIsolated (shared memory available)'
    : 'not crossOriginIsolated (no shared memory)';
  return { name, report: `${backendReport(KERNEL_NAMES)} · page ${isolation}` };
}

// Compute backend selection for a CLI run: register the backends this run may use (wasm always; webgpu when it is
// asked for, or the choice is automatic and the machine may have a GPU; gpu.js modes when one is named), pick one (--backend, else LORA_BACKEND,
// else the fastest available — a real GPU adapter before the CPU), and say once which one runs and on what.

import { registerWasmBackend } from '@lora/backend-wasm';
import {
  BACKEND_ENV_VAR,
  BackendError,
  backendReport,
  type DeviceMemory,
  deviceMemory,
  disposeBackends,
  hostMemory,
  KERNEL_NAMES,
  setBackend,
} from '@lora/core';
import { UsageError } from './errors.js';
import { gpuMayBePresent } from './gpu-presence.js';

/** The names --backend takes (besides auto). */
export const BACKEND_CHOICES = [
  'webgpu',
  'wasm',
  'reference',
  'gpujs-webgpu',
  'gpujs-webgl2',
  'gpujs-headlessgl',
  'gpujs-webasm',
  'gpujs-cpu',
] as const;

const tried = new Map<string, Promise<string | undefined>>();

/** Runs a registration once per process; resolves to why it failed, or undefined when it registered. */
function once(name: string, register: () => Promise<unknown>): Promise<string | undefined> {
  let attempt = tried.get(name);
  if (!attempt) {
    attempt = register().then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    tried.set(name, attempt);
  }
  return attempt;
}

const registerWebgpu = () => import('@lora/backend-webgpu').then((m) => m.registerWebgpuBackend());
const registerGpujs = (mode: string) =>
  import('@lora/backend-gpujs').then((m) => m.registerGpujsBackends({ modes: [mode as 'webgl2'] }));

/**
 * Select the backend; returns the one line the run prints at start. Arrays of a model made afterwards live in its
 * memory once the model is moved there (see moveToBackend).
 */
export async function selectBackend(requested: string | undefined): Promise<string> {
  const wanted = requested === undefined || requested === 'auto' ? envChoice() : requested;
  const problems = new Map<string, string>();
  const wasmProblem = await once('wasm', () => registerWasmBackend());
  if (wasmProblem) problems.set('wasm', wasmProblem);
  if (wanted === 'webgpu' || (wanted === undefined && gpuMayBePresent())) {
    const webgpuProblem = await once('webgpu', registerWebgpu);
    if (webgpuProblem) problems.set('webgpu', webgpuProblem);
  }
  if (wanted?.startsWith('gpujs-')) {
    const gpujsProblem = await once(wanted, () => registerGpujs(wanted.slice('gpujs-'.length)));
    if (gpujsProblem) problems.set(wanted, gpujsProblem);
  }
  const flag = requested === undefined || requested === 'auto' ? BACKEND_ENV_VAR : '--backend';
  if (wanted !== undefined && problems.has(wanted)) {
    throw new UsageError(
      `${flag} ${wanted}: expected the ${wanted} backend to load, got: ${problems.get(wanted)}`,
    );
  }
  try {
    await setBackend(wanted);
  } catch (cause) {
    if (cause instanceof BackendError) throw new UsageError(`${flag} ${wanted}: ${cause.message}`, { cause });
    throw cause;
  }
  const wasm = problems.get('wasm');
  const note = wasm !== undefined ? ` (wasm unavailable: ${wasm.split('\n')[0]})` : '';
  return `${backendReport(KERNEL_NAMES)}${note}`;
}

function envChoice(): string | undefined {
  const value = process.env[BACKEND_ENV_VAR];
  return value && value.length > 0 && value !== 'auto' ? value : undefined;
}

/**
 * Moves `model` into the selected backend's memory: a GPU's for webgpu, the wasm memory for wasm (where kernels use
 * arrays in place instead of copying them in per call); nothing moves on the other CPU backends.
 */
export async function moveToBackend(model: {
  useMemory(memory: ReturnType<typeof deviceMemory>): Promise<void>;
}): Promise<void> {
  const memory = deviceMemory();
  if (memory !== hostMemory) await model.useMemory(memory);
}

/**
 * The memory a model's dense weights are read straight into while it loads (LoadOptions.memory): the selected
 * backend's when host code can address it (wasm), so a 933 MB embedding is never also on the JS heap; undefined
 * otherwise (a GPU's memory is reached by moveToBackend).
 */
export function loadMemory(): DeviceMemory | undefined {
  const memory = deviceMemory();
  return memory !== hostMemory && memory.host ? memory : undefined;
}

/** Stop worker threads and release devices so the process can exit. */
export async function releaseBackend(): Promise<void> {
  await disposeBackends();
}

/**
 * Releases the backends and forgets their registration, so the next selectBackend registers them afresh: a new wasm
 * memory or GPU device. Between sweep trials: the wasm memory never shrinks and a trial's model is never freed array
 * by array, so without this every trial would leave its arrays in it and the next would spill to the JS heap.
 */
export async function renewBackends(): Promise<void> {
  await disposeBackends();
  tried.clear();
}

// Kernel registry keyed by (kernel, backend), in the style of tfjs: backends register implementations and the
// memory their arrays live in; the active backend serves them. On a host backend a kernel it lacks is served by the
// reference — reported, never silent; a device backend (arrays in GPU memory) must implement every kernel it is asked.
import { type DeviceMemory, hostMemory } from './device/memory.js';
import {
  type HostKernelSignatures,
  isHostKernel,
  type KernelName,
  type KernelSignatures,
} from './kernels/types.js';

/** One kernel implementation for one backend, as `registerKernel` takes it. */
export interface KernelConfig<K extends KernelName> {
  name: K;
  backend: string;
  impl: KernelSignatures[K];
}

/** A kernel of a host backend, typed on typed arrays. */
export interface HostKernelConfig<K extends KernelName> {
  name: K;
  backend: string;
  impl: HostKernelSignatures[K];
}

/**
 * A backend as `registerBackend` takes it: name, priority in the automatic choice, availability, set-up and
 * teardown.
 */
export interface BackendConfig {
  name: string;
  /** higher wins in automatic selection */
  priority: number;
  /** whether the platform can run it (e.g. WebAssembly SIMD present, a GPU context opens) */
  isAvailable: () => boolean | Promise<boolean>;
  /** one-time set-up (compile wasm, start workers, open a GPU context) before its kernels run */
  init?: () => void | Promise<void>;
  /** release workers or contexts */
  dispose?: () => void | Promise<void>;
  /** one line describing the device, shown in the start-up report */
  describe?: () => string;
  /** where the backend's kernels expect their arrays; the host (JS typed arrays) when omitted */
  memory?: () => DeviceMemory;
  /**
   * whether the automatic choice may pick it (default yes): a software GPU adapter runs correctly when asked for by
   * name but is slower than the CPU backends
   */
  preferred?: () => boolean;
}

/** A backend that is unknown or unavailable here, or that lacks a kernel that was asked for. */
export class BackendError extends Error {
  override name = 'BackendError';
}

/** The name of the plain TypeScript backend, always registered: the fallback and the test oracle. */
export const REFERENCE_BACKEND = 'reference';
/** The environment variable that names the backend `setBackend()` picks (`LORA_BACKEND`). */
export const BACKEND_ENV_VAR = 'LORA_BACKEND';

const kernels = new Map<string, Map<string, unknown>>(); // backend -> kernel name -> impl
const backends = new Map<string, BackendConfig>();
const initialized = new Set<string>();
let active: string | undefined;

/** Register (or replace) a backend; its kernels are registered with `registerKernel`. */
export function registerBackend(config: BackendConfig): void {
  backends.set(config.name, config);
}

/** Registers a kernel of a host backend: it receives typed arrays (the host memory's arrays). */
export function registerHostKernel<K extends KernelName>(config: HostKernelConfig<K>): void {
  registerKernel({ ...config, impl: config.impl as unknown as KernelSignatures[K] });
}

/** Register one kernel implementation for one backend, keyed by (kernel, backend), as tfjs does. */
export function registerKernel<K extends KernelName>(config: KernelConfig<K>): void {
  let table = kernels.get(config.backend);
  if (!table) {
    table = new Map();
    kernels.set(config.backend, table);
  }
  table.set(config.name, config.impl);
}

/** The registered backends' names, highest priority first. */
export function registeredBackends(): string[] {
  return [...backends.values()].sort((a, b) => b.priority - a.priority).map((b) => b.name);
}

/** The kernel names a backend implements itself (without falling back to the reference). */
export function kernelsOf(backend: string): KernelName[] {
  return [...(kernels.get(backend)?.keys() ?? [])] as KernelName[];
}

/** The implementation a backend registered for a kernel, or undefined (no fallback). */
export function getKernelImpl<K extends KernelName>(
  name: K,
  backend: string,
): KernelSignatures[K] | undefined {
  return kernels.get(backend)?.get(name) as KernelSignatures[K] | undefined;
}

/**
 * Make `name` the active backend, or pick the available backend of highest priority when omitted
 * (the LORA_BACKEND environment variable, when set, overrides the automatic choice).
 * Throws BackendError when the requested backend is unknown or unavailable.
 */
export async function setBackend(name?: string): Promise<string> {
  const requested = name ?? envBackend();
  if (requested) {
    const config = backends.get(requested);
    if (!config) {
      throw new BackendError(
        `backend "${requested}" is not registered: expected one of ${registeredBackends().join(', ')}`,
      );
    }
    if (!(await config.isAvailable())) {
      throw new BackendError(`backend "${requested}" is not available on this platform`);
    }
    await initBackend(config);
    active = requested;
    return requested;
  }
  for (const candidate of registeredBackends()) {
    const config = backends.get(candidate)!;
    if ((await config.isAvailable()) && (config.preferred?.() ?? true)) {
      await initBackend(config);
      active = candidate;
      return candidate;
    }
  }
  throw new BackendError('no backend is available');
}

async function initBackend(config: BackendConfig): Promise<void> {
  if (initialized.has(config.name)) return;
  await config.init?.();
  initialized.add(config.name);
}

function envBackend(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[BACKEND_ENV_VAR];
  return value && value.length > 0 ? value : undefined;
}

/** The name of the active backend (`reference` until `setBackend` chooses another). */
export function getBackend(): string {
  return active ?? REFERENCE_BACKEND;
}

/** The memory the active backend's kernels read and write: a GPU's for a device backend, else the host. */
export function deviceMemory(): DeviceMemory {
  return backendMemory(getBackend());
}

/** The memory backend `name` keeps its arrays in (the host for host backends and unknown names). */
export function backendMemory(name: string): DeviceMemory {
  return backends.get(name)?.memory?.() ?? hostMemory;
}

/**
 * The active backend's kernel; on a host backend the reference implementation when the backend lacks it. A device
 * backend gets no fallback (the reference cannot read its arrays): a missing kernel throws BackendError — except a
 * host kernel (HOST_KERNEL_NAMES), whose arrays are host arrays everywhere, which the reference serves on any backend.
 */
export function kernel<K extends KernelName>(name: K): KernelSignatures[K] {
  const backend = getBackend();
  const own = getKernelImpl(name, backend);
  if (own) return own;
  if (!deviceMemory().host && !isHostKernel(name))
    throw new BackendError(`kernel "${name}" has no implementation on device backend "${backend}"`);
  const impl = getKernelImpl(name, REFERENCE_BACKEND);
  if (!impl)
    throw new BackendError(`kernel "${name}" has no implementation on "${backend}" nor the reference`);
  return impl;
}

/** One line for the start-up report: which backend runs, on what, and which kernels fall back to the reference. */
export function backendReport(allKernels: readonly KernelName[]): string {
  const backend = getBackend();
  const config = backends.get(backend);
  const own = new Set(kernelsOf(backend));
  const fallback = backend === REFERENCE_BACKEND ? [] : allKernels.filter((k) => !own.has(k));
  const device = config?.describe ? ` (${config.describe()})` : '';
  const tail = fallback.length > 0 ? `; reference serves ${fallback.join(', ')}` : '';
  return `backend: ${backend}${device}${tail}`;
}

/** Dispose every backend that was set up (GPU devices, worker threads) and clear the active one. */
export async function disposeBackends(): Promise<void> {
  for (const name of initialized) await backends.get(name)?.dispose?.();
  initialized.clear();
  active = undefined;
}

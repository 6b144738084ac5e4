// Compute backend selection for a CLI run: register the wasm backend (when its build is present), pick one
// (--backend, else LORA_BACKEND, else the fastest available), and say once which one runs.
import { BackendError, backendReport, deviceMemory, disposeBackends, KERNEL_NAMES, setBackend } from '@lora/core';
import { registerWasmBackend } from '@lora/backend-wasm';
import { UsageError } from './errors.js';

let wasmTried: Promise<string | undefined> | undefined;

/** Registers "wasm" once per process; resolves to why it is unavailable, or undefined when registered. */
function tryWasm(): Promise<string | undefined> {
  wasmTried ??= registerWasmBackend().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  return wasmTried;
}

/** Select the backend; returns the one line the run prints at start. */
export async function selectBackend(requested: string | undefined): Promise<string> {
  const wasmProblem = await tryWasm();
  if (requested === 'wasm' && wasmProblem !== undefined) {
    throw new UsageError(`--backend wasm: expected the wasm backend to load, got: ${wasmProblem}`);
  }
  try {
    await setBackend(requested === undefined || requested === 'auto' ? undefined : requested);
  } catch (cause) {
    if (cause instanceof BackendError)
      throw new UsageError(`--backend ${requested}: ${cause.message}`, { cause });
    throw cause;
  }
  const note = wasmProblem !== undefined ? ` (wasm unavailable: ${wasmProblem.split('\n')[0]})` : '';
  return `${backendReport(KERNEL_NAMES)}${note}`;
}

/** Moves `model` into the selected backend's memory (nothing moves on the CPU backends, whose memory is the heap). */
export async function moveToBackend(model: {
  useMemory(memory: ReturnType<typeof deviceMemory>): Promise<void>;
}): Promise<void> {
  const memory = deviceMemory();
  if (!memory.host) await model.useMemory(memory);
}

/** Stop worker threads so the process can exit. */
export async function releaseBackend(): Promise<void> {
  await disposeBackends();
}

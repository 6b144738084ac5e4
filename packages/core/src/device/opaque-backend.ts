// The opaque backend: a device backend without a device. Its arrays live in an OpaqueMemory (opaque handles over host
// typed arrays, see opaque-memory.ts) and the reference kernels serve it on the unwrapped arrays, so its results equal
// the reference backend's bit for bit. Code that runs on it never indexes a device array on the host, never hands a
// kernel a host array or a freed one, and reads back only through the memory — where every read is counted — as code
// must on a GPU; it proves that on a machine without one.
import type { KernelName, KernelSignatures } from '../kernels/types.js';
import { KERNEL_NAMES } from '../kernels/types.js';
import { referenceKernels } from '../register-reference.js';
import { getBackend, registerBackend, registerKernel, setBackend } from '../registry.js';
import { OpaqueArrayError, OpaqueMemory } from './opaque-memory.js';

/** The default name of the opaque backend. */
export const OPAQUE_BACKEND = 'opaque';

const memories = new Map<string, OpaqueMemory>();

/**
 * A kernel's arguments with every array of `memory` replaced by its typed array. A host typed array, another memory's
 * array or a freed one is refused: no GPU kernel could read it.
 */
function unwrapArgs(memory: OpaqueMemory, name: KernelName, args: object): object {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (ArrayBuffer.isView(value))
      throw new OpaqueArrayError(
        `${memory.name} kernel ${name}: ${key} expected an array of this memory, got a host ${value.constructor.name}`,
      );
    const plain = typeof value !== 'object' || value === null || Array.isArray(value); // numbers, flags, strides
    if (plain) out[key] = value;
    else if (Object.getPrototypeOf(value) === Object.prototype)
      out[key] = unwrapArgs(memory, name, value); // a group of arrays, e.g. nf4Matmul's `nested`
    else out[key] = memory.unwrap(value, `kernel ${name} ${key}`);
  }
  return out;
}

/**
 * Registers the opaque backend `name` (never chosen automatically: select it with `setBackend(name)` or
 * `onOpaqueBackend`) with every reference kernel, and returns its memory. Idempotent: a name keeps one memory.
 */
export function registerOpaqueBackend(name: string = OPAQUE_BACKEND): OpaqueMemory {
  const known = memories.get(name);
  if (known) return known;
  const memory = new OpaqueMemory(name);
  registerBackend({
    name,
    priority: -100,
    isAvailable: () => true,
    preferred: () => false,
    describe: () => 'reference kernels behind opaque handles, host reads counted',
    memory: () => memory,
  });
  for (const kernelName of KERNEL_NAMES) {
    const reference = referenceKernels[kernelName] as (args: object) => void;
    const impl = (args: object): void => {
      memory.countDispatch();
      reference(unwrapArgs(memory, kernelName, args));
    };
    registerKernel({ name: kernelName, backend: name, impl: impl as KernelSignatures[typeof kernelName] });
  }
  memories.set(name, memory);
  return memory;
}

/** Runs `body` with the opaque backend `name` active (registering it if needed), then restores the backend before. */
export async function onOpaqueBackend<T>(
  body: (memory: OpaqueMemory) => Promise<T>,
  name: string = OPAQUE_BACKEND,
): Promise<T> {
  const memory = registerOpaqueBackend(name);
  const before = getBackend();
  await setBackend(name);
  try {
    return await body(memory);
  } finally {
    await setBackend(before);
  }
}

// One suite: every kernel of every registered, available backend against the reference (tfjs ALL_ENVS style).
import {
  backendMemory,
  casesFor,
  disposeBackends,
  getKernelImpl,
  HOST_KERNEL_NAMES,
  hostMemory,
  isHostKernel,
  KERNEL_CASES,
  KERNEL_NAMES,
  KERNELS_WITHOUT_CASES,
  type KernelCase,
  kernelsOf,
  REFERENCE_BACKEND,
  registeredBackends,
  setBackend,
} from '@lora/core';
import { afterAll, describe, expect, test } from 'vitest';
import { registerAll } from './backends.js';
import { type CaseOutputs, checkCase, runCase } from './run-case.js';

const failures = await registerAll();
const underTest = registeredBackends().filter((name) => name !== REFERENCE_BACKEND);
const availability = new Map<string, string | undefined>(); // backend -> why it is skipped
for (const name of underTest) {
  try {
    await setBackend(name); // checks isAvailable() and runs init()
    availability.set(name, undefined);
  } catch (error) {
    availability.set(name, error instanceof Error ? error.message : String(error));
  }
}
await setBackend(REFERENCE_BACKEND);
afterAll(disposeBackends); // workers and GPU contexts

const referenceResults = new Map<KernelCase, CaseOutputs>(); // computed once per case, shared by all backends
async function expected(c: KernelCase): Promise<CaseOutputs> {
  let result = referenceResults.get(c);
  if (!result)
    referenceResults.set(c, (result = await runCase(getKernelImpl(c.kernel, REFERENCE_BACKEND), c)));
  return result;
}

describe('conformance set-up', () => {
  test('every backend entry registers', () => {
    expect(failures.map((f) => `${f.name}: ${String(f.error)}`)).toEqual([]);
  });

  test('at least one backend besides the reference is under test', () => {
    expect(underTest.length).toBeGreaterThan(0);
  });

  test('every kernel has cases, each with a unique name', () => {
    expect(KERNELS_WITHOUT_CASES).toEqual([]);
    const names = KERNEL_CASES.map((c) => `${c.kernel} ${c.name}`);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});

for (const backend of underTest) {
  const skipped = availability.get(backend);
  const title = skipped ? `backend ${backend} (skipped: ${skipped})` : `backend ${backend}`;
  describe.skipIf(skipped !== undefined)(title, () => {
    const known: readonly string[] = [...KERNEL_NAMES, ...HOST_KERNEL_NAMES];
    test('implements only known kernels', () => {
      expect(kernelsOf(backend).filter((k) => !known.includes(k))).toEqual([]);
    });

    for (const kernel of [...KERNEL_NAMES, ...HOST_KERNEL_NAMES].filter((k) =>
      kernelsOf(backend).includes(k),
    )) {
      describe(kernel, () => {
        test.each(casesFor(kernel).map((c) => [c.name, c] as const))('%s', async (_, c) => {
          // a host kernel (a load-time job) takes host arrays on every backend
          const memory = isHostKernel(kernel) ? hostMemory : backendMemory(backend);
          await checkCase(getKernelImpl(kernel, backend), c, await expected(c), `backend ${backend}`, memory);
        });
      });
    }
  });
}

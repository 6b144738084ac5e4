// Browser entry for chromium.test.ts: registers the gpu.js backends in a real page and runs one conformance case at a
// time on a device backend — arguments uploaded as placeArgs does in Node, outputs read back — for Node to compare.
import { registerGpujsBackends } from '@lora/backend-gpujs';
import {
  backendReport,
  type DeviceArray,
  deviceMemory,
  KERNEL_NAMES,
  type KernelName,
  kernel,
  kernelsOf,
  setBackend,
} from '@lora/core';
import { placeArgs } from './place-args.js';
import { decodeArgs, encodeArray, type WireArgs } from './wire.js';

export interface PageSetup {
  available: string[];
  /** backend → the kernels it implements */
  kernels: Record<string, KernelName[]>;
  /** backend → its start-up report line */
  reports: Record<string, string>;
}

export interface PageResult {
  error?: string;
  outputs: Record<string, ReturnType<typeof encodeArray>>;
  /** readbacks of this case beyond the outputs' own (0: the kernel read nothing back) */
  extraReadbacks: number;
}

async function setup(modes: string[]): Promise<PageSetup> {
  const available = await registerGpujsBackends({ modes });
  const kernels: Record<string, KernelName[]> = {};
  const reports: Record<string, string> = {};
  for (const backend of available) {
    await setBackend(backend);
    kernels[backend] = kernelsOf(backend);
    reports[backend] = backendReport(KERNEL_NAMES);
  }
  return { available, kernels, reports };
}

function deviceArrays(value: unknown, into: DeviceArray[] = []): DeviceArray[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return into;
  if (Object.getPrototypeOf(value) !== Object.prototype) into.push(value as DeviceArray);
  else for (const v of Object.values(value)) deviceArrays(v, into);
  return into;
}

async function run(
  backend: string,
  name: KernelName,
  wire: WireArgs,
  outputs: string[],
): Promise<PageResult> {
  await setBackend(backend);
  const memory = deviceMemory();
  const host = decodeArgs(wire);
  const args = placeArgs(host, memory);
  const result: PageResult = { outputs: {}, extraReadbacks: 0 };
  try {
    const before = memory.counters().readbacks;
    (kernel(name) as (a: unknown) => void)(args);
    for (const key of outputs) {
      if (!ArrayBuffer.isView(host[key])) continue;
      result.outputs[key] = encodeArray(await memory.read(args[key] as never));
    }
    result.extraReadbacks = memory.counters().readbacks - before - Object.keys(result.outputs).length;
  } catch (error) {
    result.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    for (const array of deviceArrays(args)) memory.free(array);
  }
  return result;
}

(globalThis as { conformancePage?: unknown }).conformancePage = { setup, run };

// Runs one conformance case on a kernel implementation and compares what it wrote with the reference's result.
// On a device backend the typed-array arguments are uploaded first (views keep their offset inside an uploaded copy
// of their whole buffer, and an array passed twice stays one array: place-args.ts) and the written ones are read back
// after.
import { type DeviceMemory, hostMemory, type KernelCase, resolveTolerance } from '@lora/core';
import { expectClose } from '@lora/testing';
import { placeArgs } from './place-args.js';

/** The arguments a kernel wrote, copied, by name. */
export type CaseOutputs = Map<string, Float32Array | Int32Array | Uint8Array>;

/** Runs `impl` on the case's fresh seeded arguments (in `memory`) and returns copies of the arguments it writes. */
export async function runCase(
  impl: unknown,
  c: KernelCase,
  memory: DeviceMemory = hostMemory,
): Promise<CaseOutputs> {
  const host = c.args();
  const args = placeArgs(host, memory);
  (impl as (a: Record<string, unknown>) => void)(args);
  const outputs: CaseOutputs = new Map();
  for (const key of Object.keys(c.tolerances)) {
    const value = host[key];
    if (value instanceof Float32Array || value instanceof Int32Array || value instanceof Uint8Array) {
      outputs.set(key, (await memory.read(args[key] as never)) as Float32Array | Int32Array | Uint8Array);
    }
  }
  return outputs;
}

/** Throws (with the worst element) unless `impl` reproduces `expected` within the case's tolerances. */
export async function checkCase(
  impl: unknown,
  c: KernelCase,
  expected: CaseOutputs,
  label: string,
  memory: DeviceMemory = hostMemory,
): Promise<void> {
  checkOutputs(c, await runCase(impl, c, memory), expected, label);
}

/** Throws (with the worst element) unless the outputs `got` match `expected` within the case's tolerances. */
export function checkOutputs(c: KernelCase, got: CaseOutputs, expected: CaseOutputs, label: string): void {
  for (const [key, want] of expected) {
    const actual = got.get(key);
    if (!actual)
      throw new Error(`${label} ${c.kernel} ${c.name}: expected ${key} as a typed array, got none`);
    expectClose(
      actual,
      want,
      resolveTolerance(c.tolerances[key]!, want),
      `${label} ${c.kernel} ${c.name}: ${key}`,
    );
  }
}

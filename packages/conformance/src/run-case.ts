// Runs one conformance case on a kernel implementation and compares what it wrote with the reference's result.
// On a device backend the typed-array arguments are uploaded first (views keep their offset inside an uploaded copy
// of their whole buffer, and an array passed twice stays one array) and the written ones are read back after.
import { type DeviceArray, type DeviceMemory, hostMemory } from '@lora/core';
import { expectClose } from '@lora/testing';
import type { ConformanceCase } from './cases.js';
import { resolveTolerance } from './tolerances.js';

/** The arguments a kernel wrote, copied, by name. */
export type CaseOutputs = Map<string, Float32Array | Int32Array>;

type HostArray = Float32Array | Int32Array | Uint8Array;

/** The case's arguments with every typed array moved into `memory` (the host memory keeps them as they are). */
export function placeArgs(args: Record<string, unknown>, memory: DeviceMemory): Record<string, unknown> {
  if (memory.host) return args;
  const placed = new Map<HostArray, DeviceArray>();
  const wholes = new Map<ArrayBufferLike, DeviceArray>();
  const move = (array: HostArray): DeviceArray => {
    let device = placed.get(array);
    if (device) return device;
    const Whole = array.constructor as { new (buffer: ArrayBufferLike): HostArray; BYTES_PER_ELEMENT: number };
    let whole = wholes.get(array.buffer);
    if (!whole) wholes.set(array.buffer, (whole = memory.upload(new Whole(array.buffer) as Float32Array)));
    const start = array.byteOffset / Whole.BYTES_PER_ELEMENT;
    device = (whole as DeviceArray).subarray(start, start + array.length);
    placed.set(array, device);
    return device;
  };
  // arrays inside a plain object argument (nf4Matmul's nested absmax) move too
  const placeAll = (object: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(object).map(([key, value]) => [
        key,
        value instanceof Float32Array || value instanceof Int32Array || value instanceof Uint8Array
          ? move(value)
          : value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype
            ? placeAll(value as Record<string, unknown>)
            : value,
      ]),
    );
  return placeAll(args);
}

/** Runs `impl` on the case's fresh seeded arguments (in `memory`) and returns copies of the arguments it writes. */
export async function runCase(impl: unknown, c: ConformanceCase, memory: DeviceMemory = hostMemory): Promise<CaseOutputs> {
  const host = c.args();
  const args = placeArgs(host, memory);
  (impl as (a: Record<string, unknown>) => void)(args);
  const outputs: CaseOutputs = new Map();
  for (const key of Object.keys(c.tolerances)) {
    const value = host[key];
    if (value instanceof Float32Array || value instanceof Int32Array) {
      outputs.set(key, (await memory.read(args[key] as never)) as Float32Array | Int32Array);
    }
  }
  return outputs;
}

/** Throws (with the worst element) unless `impl` reproduces `expected` within the case's tolerances. */
export async function checkCase(
  impl: unknown,
  c: ConformanceCase,
  expected: CaseOutputs,
  label: string,
  memory: DeviceMemory = hostMemory,
): Promise<void> {
  const got = await runCase(impl, c, memory);
  for (const [key, want] of expected) {
    const actual = got.get(key);
    if (!actual) throw new Error(`${label} ${c.kernel} ${c.name}: expected ${key} as a typed array, got none`);
    expectClose(actual, want, resolveTolerance(c.tolerances[key]!, want), `${label} ${c.kernel} ${c.name}: ${key}`);
  }
}

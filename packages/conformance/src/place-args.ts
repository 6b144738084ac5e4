// Moves a case's typed-array arguments into a device memory, as a model moves its arrays: views keep their offset inside
// an uploaded copy of their whole buffer, and an array passed twice stays one array. No test-only imports: a browser
// page bundles it.
import type { DeviceArray, DeviceMemory } from '@lora/core';

type HostArray = Float32Array | Int32Array | Uint8Array;

/** The case's arguments with every typed array moved into `memory` (the host memory keeps them as they are). */
export function placeArgs(args: Record<string, unknown>, memory: DeviceMemory): Record<string, unknown> {
  if (memory.host) return args;
  const placed = new Map<HostArray, DeviceArray>();
  const wholes = new Map<ArrayBufferLike, DeviceArray>();
  const move = (array: HostArray): DeviceArray => {
    let device = placed.get(array);
    if (device) return device;
    const Whole = array.constructor as {
      new (buffer: ArrayBufferLike): HostArray;
      BYTES_PER_ELEMENT: number;
    };
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

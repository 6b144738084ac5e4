// Kernel arguments across a process boundary (Node ↔ a browser page): typed arrays as base64 of their whole buffer,
// so views that share a buffer share it again on the other side (placeArgs uploads each buffer once). No Node APIs.

type HostArray = Float32Array | Int32Array | Uint8Array;

/** A typed array on the wire: a view of one of the buffers. */
export interface WireArray {
  $array: 'f32' | 'i32' | 'u8';
  buffer: number;
  byteOffset: number;
  length: number;
}

export type WireValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | WireArray
  | WireValue[]
  | { [key: string]: WireValue };

export interface WireArgs {
  /** base64 of each distinct ArrayBuffer */
  buffers: string[];
  value: Record<string, WireValue>;
}

const TYPES = { f32: Float32Array, i32: Int32Array, u8: Uint8Array } as const;

function tagOf(array: HostArray): WireArray['$array'] {
  if (array instanceof Float32Array) return 'f32';
  if (array instanceof Int32Array) return 'i32';
  return 'u8';
}

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, Math.min(i + 0x8000, bytes.length)));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Arguments (numbers, flags, tuples, typed arrays, nested plain objects) as wire values. */
export function encodeArgs(args: Record<string, unknown>): WireArgs {
  const ids = new Map<ArrayBufferLike, number>();
  const buffers: string[] = [];
  const encode = (value: unknown): WireValue => {
    if (value instanceof Float32Array || value instanceof Int32Array || value instanceof Uint8Array) {
      let id = ids.get(value.buffer);
      if (id === undefined) {
        id = buffers.length;
        ids.set(value.buffer, id);
        buffers.push(toBase64(new Uint8Array(value.buffer)));
      }
      return { $array: tagOf(value), buffer: id, byteOffset: value.byteOffset, length: value.length };
    }
    if (Array.isArray(value)) return value.map(encode);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
    return value as WireValue;
  };
  return { buffers, value: encode(args) as Record<string, WireValue> };
}

/** The arguments back, with typed arrays that shared a buffer sharing one again. */
export function decodeArgs(wire: WireArgs): Record<string, unknown> {
  const buffers = wire.buffers.map((b) => fromBase64(b).buffer);
  const decode = (value: WireValue): unknown => {
    if (Array.isArray(value)) return value.map(decode);
    if (value !== null && typeof value === 'object') {
      if ('$array' in value && typeof value.$array === 'string') {
        const a = value as WireArray;
        return new TYPES[a.$array](buffers[a.buffer] as ArrayBuffer, a.byteOffset, a.length);
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v as WireValue)]));
    }
    return value;
  };
  return decode(wire.value) as Record<string, unknown>;
}

/** One typed array on its own (a result read back). */
export function encodeArray(array: HostArray): { type: WireArray['$array']; data: string } {
  return {
    type: tagOf(array),
    data: toBase64(new Uint8Array(array.buffer, array.byteOffset, array.byteLength)),
  };
}

export function decodeArray(wire: { type: WireArray['$array']; data: string }): HostArray {
  const bytes = fromBase64(wire.data);
  return new TYPES[wire.type](bytes.buffer as ArrayBuffer);
}

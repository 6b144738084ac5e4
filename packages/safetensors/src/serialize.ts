// Lay out a safetensors file as the Rust crate's `serialize` does: tensors by descending dtype alignment then name,
// compact JSON header with `__metadata__` first, padded with spaces to a multiple of 8 bytes.
import { f32ToBf16, f32ToF16, joinArrays } from '@lora/core';
import { dtypeRank, isDtype, type SafetensorsDtype, tensorByteLength } from './dtypes.js';
import { SafetensorsError } from './errors.js';
import { MAX_HEADER_SIZE } from './header.js';

/** A tensor's data for writing: raw bytes or a typed array. */
export type TensorData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** One tensor to write: dtype, shape and data. */
export interface TensorInput {
  dtype: SafetensorsDtype;
  shape: readonly number[];
  /** raw little-endian bytes (any dtype), the dtype's own typed array, or a Float32Array to convert to F16/BF16 */
  data: TensorData;
}

/** Tensors to write, by name. */
export type TensorInputs = Readonly<Record<string, TensorInput>>;

/** One tensor of a prepared file; `bytes()` materialises (and converts) its data only when it is written. */
export interface PreparedTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  elements: number;
  byteLength: number;
  bytes(): Uint8Array;
}

export interface PreparedFile {
  /** the 8-byte length prefix followed by the padded JSON header */
  head: Uint8Array;
  tensors: PreparedTensor[];
  totalBytes: number;
}

type ArrayCtor = abstract new (...args: never[]) => TensorData;

const OWN_ARRAY: Partial<Record<SafetensorsDtype, ArrayCtor>> = {
  I8: Int8Array,
  I16: Int16Array,
  U16: Uint16Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I32: Int32Array,
  U32: Uint32Array,
  F32: Float32Array,
  C64: Float32Array,
  F64: Float64Array,
  I64: BigInt64Array,
  U64: BigUint64Array,
};

const utf8 = new TextEncoder();
const LONE_SURROGATE = /\p{Cs}/u;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function asBytes(data: TensorData): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function prepareTensor(name: string, input: TensorInput, file: string): PreparedTensor & { key: Uint8Array } {
  const fail = (
    message: string,
    code: 'InvalidTensor' | 'ValidationOverflow' | 'MisalignedSlice' = 'InvalidTensor',
  ) => new SafetensorsError(code, file, message, { tensor: name });
  if (name === '__metadata__') throw fail('the name __metadata__ is reserved for the metadata map');
  if (LONE_SURROGATE.test(name))
    throw fail('the name holds a lone UTF-16 surrogate: expected a well-formed string');
  const { dtype, shape, data } = input ?? {};
  if (!isDtype(dtype))
    throw fail(
      `unknown dtype: expected a safetensors dtype such as F32 or BF16, got ${JSON.stringify(dtype)}`,
    );
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`shape: expected an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const size = tensorByteLength(dtype, shape);
  if (!size.ok)
    throw fail(size.detail, size.reason === 'overflow' ? 'ValidationOverflow' : 'MisalignedSlice');
  const own = OWN_ARRAY[dtype];
  const convert = (dtype === 'F16' || dtype === 'BF16') && data instanceof Float32Array;
  if (!convert && !(data instanceof Uint8Array) && !(own && data instanceof own)) {
    const accepted = ['Uint8Array (raw bytes)', ...(own ? [own.name] : [])];
    if (dtype === 'F16' || dtype === 'BF16') accepted.push('Float32Array (converted)');
    const kind = (data as object | null | undefined)?.constructor?.name ?? typeof data;
    throw fail(`data: expected ${accepted.join(' or ')} for ${dtype}, got ${kind}`);
  }
  const have = convert ? data.length * 2 : data.byteLength;
  if (have !== size.bytes) {
    throw fail(
      `data size: shape [${shape.join(', ')}] × ${dtype} needs ${size.bytes} bytes, got ${have}${convert ? ` (${data.length} f32 values)` : ''}`,
    );
  }
  const bytes = convert
    ? () => asBytes(dtype === 'F16' ? f32ToF16(data as Float32Array) : f32ToBf16(data as Float32Array))
    : () => asBytes(data);
  return {
    name,
    dtype,
    shape: [...shape],
    elements: size.elements,
    byteLength: size.bytes,
    bytes,
    key: utf8.encode(name),
  };
}

/** Validate inputs and compute the header and layout; no tensor data is copied. */
export function prepareSafetensors(
  tensors: TensorInputs,
  metadata: Readonly<Record<string, string>> | undefined,
  file: string,
): PreparedFile {
  if (typeof tensors !== 'object' || tensors === null) {
    throw new SafetensorsError(
      'InvalidTensor',
      file,
      `tensors: expected an object of { dtype, shape, data }, got ${tensors}`,
    );
  }
  const prepared = Object.entries(tensors).map(([name, input]) => prepareTensor(name, input, file));
  prepared.sort((a, b) => dtypeRank(b.dtype) - dtypeRank(a.dtype) || compareBytes(a.key, b.key));

  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort((a, b) => compareBytes(utf8.encode(a), utf8.encode(b)));
    for (const k of keys) {
      const v = metadata[k];
      if (typeof v !== 'string' || LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) {
        throw new SafetensorsError(
          'InvalidMetadata',
          file,
          `metadata[${JSON.stringify(k)}]: expected a well-formed string, got ${typeof v}`,
        );
      }
    }
    parts.push(
      `"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`,
    );
  }
  let offset = 0;
  for (const t of prepared) {
    const range = `[${offset},${offset + t.byteLength}]`;
    parts.push(
      `${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":${range}}`,
    );
    offset += t.byteLength;
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  const padded = json.length + ((8 - (json.length % 8)) % 8);
  if (padded > MAX_HEADER_SIZE) {
    throw new SafetensorsError(
      'HeaderTooLarge',
      file,
      `header would be ${padded} bytes: expected at most ${MAX_HEADER_SIZE}`,
    );
  }
  const head = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return { head, tensors: prepared.map(({ key: _key, ...t }) => t), totalBytes: head.length + offset };
}

/** The bytes of a safetensors file holding `tensors` (and `metadata`), exactly as the Rust crate writes them. */
export function serializeSafetensors(
  tensors: TensorInputs,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  return joinArrays(Uint8Array, serializeSafetensorsParts(tensors, metadata));
}

/**
 * The same file as parts to write in order: the header, then each tensor's bytes — views of the inputs, copied
 * only where converted (f32 to F16/BF16) — so a writer that takes parts never holds the whole file at once.
 */
export function serializeSafetensorsParts(
  tensors: TensorInputs,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array[] {
  const { head, tensors: prepared } = prepareSafetensors(tensors, metadata, '<serialize>');
  return [head, ...prepared.map((t) => t.bytes())];
}

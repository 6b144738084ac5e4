// What every safetensors reader offers, and the tensor lookup they share.
import type { TensorTypedArray } from './decode.js';
import { SafetensorsError } from './errors.js';
import type { ParsedHeader, TensorInfo } from './header.js';

/** An open file or checkpoint: header facts are synchronous, tensor reads are not. */
export interface TensorReader {
  /** tensor names in file order (by data offset; shard by shard for a checkpoint) */
  tensorNames(): string[];
  has(name: string): boolean;
  /** dtype, shape, elements, byteLength and dataOffsets of a tensor; TensorNotFound if absent */
  info(name: string): TensorInfo;
  readonly metadata: Readonly<Record<string, string>> | undefined;
  /** the tensor's bytes, as stored (little-endian) */
  readRaw(name: string): Promise<Uint8Array>;
  /** the tensor converted to f32 (F16, BF16, F32 or F64) */
  readF32(name: string): Promise<Float32Array>;
  /** the tensor converted to f32 into `out` (exactly its element count), e.g. an array of a backend's memory */
  readF32Into(name: string, out: Float32Array): Promise<Float32Array>;
  /** the tensor as a typed array of its own dtype (see TypedArrayOf) */
  readTyped(name: string): Promise<TensorTypedArray>;
  close(): Promise<void>;
}

export function lookup(header: ParsedHeader, name: string, file: string): TensorInfo {
  const info = header.tensors.get(name);
  if (!info) {
    throw new SafetensorsError(
      'TensorNotFound',
      file,
      `no such tensor: expected one of ${header.tensors.size} names in the header${hint(header.names, name)}`,
      { tensor: name },
    );
  }
  return info;
}

function hint(names: string[], name: string): string {
  const near = names.filter((n) => n.endsWith(name) || name.endsWith(n)).slice(0, 3);
  return near.length > 0 ? ` (similar: ${near.map((n) => JSON.stringify(n)).join(', ')})` : '';
}

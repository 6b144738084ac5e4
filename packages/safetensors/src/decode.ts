// Little-endian tensor bytes -> JS typed arrays, and -> f32 through @lora/core's exact conversions.
import { bf16ToF32, f16ToF32, f64ToF32 } from '@lora/core';
import type { SafetensorsDtype } from './dtypes.js';
import { SafetensorsError } from './errors.js';

/** The typed array `readTyped` returns for each dtype (F16/BF16 as raw bit patterns, F8 as raw bytes, C64 as re/im pairs). */
export interface TypedArrayOf {
  BOOL: Uint8Array;
  U8: Uint8Array;
  I8: Int8Array;
  F8_E5M2: Uint8Array;
  F8_E4M3: Uint8Array;
  F8_E8M0: Uint8Array;
  I16: Int16Array;
  U16: Uint16Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I32: Int32Array;
  U32: Uint32Array;
  F32: Float32Array;
  C64: Float32Array;
  F64: Float64Array;
  I64: BigInt64Array;
  U64: BigUint64Array;
}

/** The typed array a tensor's dtype reads as. */
export type TensorTypedArray = TypedArrayOf[keyof TypedArrayOf];

type ViewCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TensorTypedArray;

const VIEWS: Partial<Record<SafetensorsDtype, { ctor: ViewCtor; size: number }>> = {
  BOOL: { ctor: Uint8Array, size: 1 },
  U8: { ctor: Uint8Array, size: 1 },
  I8: { ctor: Int8Array, size: 1 },
  F8_E5M2: { ctor: Uint8Array, size: 1 },
  F8_E4M3: { ctor: Uint8Array, size: 1 },
  F8_E8M0: { ctor: Uint8Array, size: 1 },
  I16: { ctor: Int16Array, size: 2 },
  U16: { ctor: Uint16Array, size: 2 },
  F16: { ctor: Uint16Array, size: 2 },
  BF16: { ctor: Uint16Array, size: 2 },
  I32: { ctor: Int32Array, size: 4 },
  U32: { ctor: Uint32Array, size: 4 },
  F32: { ctor: Float32Array, size: 4 },
  C64: { ctor: Float32Array, size: 4 },
  F64: { ctor: Float64Array, size: 8 },
  I64: { ctor: BigInt64Array, size: 8 },
  U64: { ctor: BigUint64Array, size: 8 },
};

/** Dtypes readF32 converts. */
export const F32_READABLE: readonly SafetensorsDtype[] = ['F16', 'BF16', 'F32', 'F64'];

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function checkEndian(file: string, tensor: string, size: number): void {
  if (size > 1 && !LITTLE_ENDIAN) {
    throw new SafetensorsError(
      'UnsupportedDtype',
      file,
      'big-endian platforms are not supported: tensor data is little-endian',
      {
        tensor,
      },
    );
  }
}

/** Element size of readTyped's array for a dtype, or an UnsupportedDtype error (sub-byte F4 / F6). */
export function typedElementSize(dtype: SafetensorsDtype, file: string, tensor: string): number {
  const view = VIEWS[dtype];
  if (!view) {
    throw new SafetensorsError(
      'UnsupportedDtype',
      file,
      `readTyped: ${dtype} packs elements below a byte and has no typed array; use readRaw for its packed bytes`,
      { tensor },
    );
  }
  checkEndian(file, tensor, view.size);
  return view.size;
}

/**
 * A typed array over `bytes` for `dtype`: a view when `bytes` is aligned for the element size,
 * otherwise an aligned copy.
 */
export function typedView(
  dtype: SafetensorsDtype,
  bytes: Uint8Array,
  file: string,
  tensor: string,
): TensorTypedArray {
  const size = typedElementSize(dtype, file, tensor);
  const { ctor } = VIEWS[dtype]!;
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  return new ctor(aligned.buffer, aligned.byteOffset, aligned.byteLength / size);
}

/** The UnsupportedDtype error readF32 raises for dtypes it does not convert. */
export function checkF32Readable(dtype: SafetensorsDtype, file: string, tensor: string): void {
  if (!F32_READABLE.includes(dtype)) {
    throw new SafetensorsError(
      'UnsupportedDtype',
      file,
      `readF32: expected one of ${F32_READABLE.join(', ')}, got ${dtype}; use readTyped for the values in their own type`,
      { tensor },
    );
  }
  checkEndian(file, tensor, 2);
}

/** Convert little-endian `bytes` of a float dtype into `out` (which has bytes / elementSize elements). */
export function decodeF32Into(dtype: SafetensorsDtype, bytes: Uint8Array, out: Float32Array): void {
  switch (dtype) {
    case 'F32':
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
      return;
    case 'BF16':
    case 'F16': {
      const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
      const bits = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2);
      if (dtype === 'BF16') bf16ToF32(bits, out);
      else f16ToF32(bits, out);
      return;
    }
    case 'F64': {
      const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
      f64ToF32(new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 8), out);
      return;
    }
    default:
      throw new Error(`decodeF32Into: unreachable dtype ${dtype}`);
  }
}

/** Bytes per element of a dtype readF32 converts. */
export function f32SourceSize(dtype: SafetensorsDtype): number {
  return dtype === 'F64' ? 8 : dtype === 'F32' ? 4 : 2;
}

// 4-bit quantization of one weight tensor with optional double quantization of its absmax
// (bitsandbytes functional.quantize_4bit with compress_statistics=True: offset = mean(absmax), and
// absmax - offset quantized blockwise (256) to 8 bits with the signed dynamic map).
import {
  blockCount,
  dequantize4bitBlockwise,
  dequantize8bitBlockwise,
  quantize4bitBlockwise,
  quantize8bitBlockwise,
} from './blockwise.js';
import { type QuantType, codeFor, createDynamicMap } from './codebooks.js';
import { QuantizationError, describeArgument, nonFiniteMessage } from './errors.js';

export { QuantizationError } from './errors.js';

const f32 = Math.fround;

/** Elements per block of double quantization's second level (bitsandbytes' 256). */
export const NESTED_BLOCKSIZE = 256;

/** The dtype of the original weight, which the quantization state records. */
export type StorageDtype = 'float32' | 'float16' | 'bfloat16';

/** Double-quantized absmax: 8-bit codes, the absmax of each nested block, and the offset. */
export interface NestedAbsmax {
  /** (blocks) 8-bit codes of absmax - offset */
  qabsmax: Uint8Array;
  /** (ceil(blocks / 256)) absmax of each nested block */
  nestedAbsmax: Float32Array;
  /** (256) the signed dynamic map */
  nestedCode: Float32Array;
  nestedBlocksize: number;
  offset: number;
}

/** A 4-bit weight in bitsandbytes' layout: everything QuantState holds. */
export interface QuantizedTensor {
  quantType: QuantType;
  blocksize: number;
  /** the original weight's shape, e.g. [out, in] */
  shape: number[];
  /** dtype of the original weight (recorded in the quant state; dequantization computes in f32) */
  dtype: StorageDtype;
  /** ((n + 1) / 2) two codes per byte, first element in the high nibble */
  packed: Uint8Array;
  /** (16) quant_map */
  code: Float32Array;
  /** (blocks) absmax when not nested */
  absmax?: Float32Array;
  nested?: NestedAbsmax;
}

/** Options of `quantize4bit`: type, block size, double quantization, original dtype, and a name for errors. */
export interface QuantizeOptions {
  quantType?: QuantType;
  /** a power of two from 32 to 4096; 64 by default */
  blocksize?: number;
  doubleQuant?: boolean;
  dtype?: StorageDtype;
  /** the tensor's name, used in error messages (e.g. "model.layers.0.mlp.up_proj.weight") */
  name?: string;
}

const STORAGE_DTYPES: readonly StorageDtype[] = ['float32', 'float16', 'bfloat16'];

/** Check a block size: a power of two from 32 to 4096; throws QuantizationError. */
export function validateBlocksize(blocksize: number, where = 'blocksize'): void {
  const ok = Number.isInteger(blocksize) && blocksize >= 32 && blocksize <= 4096 && (blocksize & (blocksize - 1)) === 0;
  if (!ok) throw new QuantizationError(`${where}: expected a power of two from 32 to 4096, got ${blocksize}`);
}

/** The element count of `shape`, after checking it is a non-empty list of non-negative integers. */
function checkShape(where: string, shape: unknown): number {
  if (!Array.isArray(shape) || shape.length === 0) {
    throw new QuantizationError(`${where}: shape: expected a non-empty array of dimensions, got ${describeArgument(shape)}`);
  }
  shape.forEach((d: unknown, i) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new QuantizationError(
        `${where}: shape[${i}]: expected a non-negative integer, got ${describeArgument(d)} in [${shape.map(String).join(', ')}]`,
      );
    }
  });
  return (shape as number[]).reduce((a, b) => a * b, 1);
}

/**
 * Quantize a row-major weight of `shape` to NF4/FP4. Throws QuantizationError when `values` is not a Float32Array,
 * `shape` is not a list of non-negative integers whose product is `values.length` (> 0), an option is out of range,
 * or a value is NaN or ±Infinity (named by tensor and index: it would turn its whole block into NaN).
 */
export function quantize4bit(values: Float32Array, shape: readonly number[], options: QuantizeOptions = {}): QuantizedTensor {
  if (typeof options !== 'object' || options === null) {
    throw new QuantizationError(`quantize4bit: options: expected an object, got ${describeArgument(options)}`);
  }
  const what = options.name === undefined ? 'quantize4bit' : `quantize4bit: tensor "${options.name}"`;
  if (!(values instanceof Float32Array)) {
    throw new QuantizationError(`${what}: values: expected a Float32Array, got ${describeArgument(values)}`);
  }
  const n = checkShape(what, shape);
  const quantType = options.quantType ?? 'nf4';
  const blocksize = options.blocksize ?? 64;
  validateBlocksize(blocksize);
  if (quantType !== 'nf4' && quantType !== 'fp4') {
    throw new QuantizationError(`quant type: expected "nf4" or "fp4", got "${String(quantType)}"`);
  }
  const dtype = options.dtype ?? 'float32';
  if (!STORAGE_DTYPES.includes(dtype)) {
    throw new QuantizationError(`${what}: dtype: expected one of ${STORAGE_DTYPES.join(', ')}, got ${describeArgument(dtype)}`);
  }
  if (options.doubleQuant !== undefined && typeof options.doubleQuant !== 'boolean') {
    throw new QuantizationError(`${what}: doubleQuant: expected true or false, got ${describeArgument(options.doubleQuant)}`);
  }
  if (n !== values.length || n === 0) {
    throw new QuantizationError(
      `${what}: expected ${n === 0 ? 'at least one value (no dimension of 0)' : `${n} values`} for shape [${shape.join(', ')}], got ${values.length}`,
    );
  }
  const code = codeFor(quantType);
  const { codes, absmax } = quantize4bitBlockwise(
    values,
    code,
    blocksize,
    options.name === undefined ? 'quantize4bit: values' : what,
  );
  const base = { quantType, blocksize, shape: [...shape], dtype, packed: codes, code };
  if (!options.doubleQuant) return { ...base, absmax };
  return { ...base, nested: compressAbsmax(absmax) };
}

/** Double quantization of the absmax: offset = mean, then 8-bit dynamic blockwise over blocks of 256. */
export function compressAbsmax(absmax: Float32Array): NestedAbsmax {
  if (!(absmax instanceof Float32Array) || absmax.length === 0) {
    throw new QuantizationError(`compressAbsmax: absmax: expected a non-empty Float32Array, got ${describeArgument(absmax)}`);
  }
  let sum = 0;
  for (let i = 0; i < absmax.length; i++) sum += absmax[i]!;
  if (!Number.isFinite(sum)) {
    const first = absmax.findIndex((v) => !Number.isFinite(v));
    if (first >= 0) throw new QuantizationError(nonFiniteMessage('compressAbsmax: absmax', absmax, first));
  }
  const offset = f32(sum / absmax.length);
  const centered = new Float32Array(absmax.length);
  for (let i = 0; i < absmax.length; i++) centered[i] = f32(absmax[i]! - offset);
  const nestedCode = createDynamicMap();
  const { codes, absmax: nestedAbsmax } = quantize8bitBlockwise(
    centered,
    nestedCode,
    NESTED_BLOCKSIZE,
    'compressAbsmax: absmax - mean',
  );
  return { qabsmax: codes, nestedAbsmax, nestedCode, nestedBlocksize: NESTED_BLOCKSIZE, offset };
}

/** The per-block absmax a dequantization uses: stored, or restored from the nested quantization. */
export function resolveAbsmax(q: QuantizedTensor): Float32Array {
  if (q.absmax) return q.absmax;
  const nested = q.nested;
  if (!nested) throw new QuantizationError('quantized tensor: expected absmax or nested absmax, got neither');
  const restored = dequantize8bitBlockwise(nested.qabsmax, nested.nestedAbsmax, nested.nestedCode, nested.nestedBlocksize);
  for (let i = 0; i < restored.length; i++) restored[i] = f32(restored[i]! + nested.offset);
  return restored;
}

/** The number of elements of a quantized tensor. */
export function elementCount(q: QuantizedTensor): number {
  return q.shape.reduce((a, b) => a * b, 1);
}

/** Dequantize to a row-major f32 array of the original shape. */
export function dequantize4bit(q: QuantizedTensor, out?: Float32Array): Float32Array {
  const n = elementCount(q);
  const absmax = resolveAbsmax(q);
  if (absmax.length !== blockCount(n, q.blocksize)) {
    throw new QuantizationError(`absmax: expected ${blockCount(n, q.blocksize)} blocks, got ${absmax.length}`);
  }
  return dequantize4bitBlockwise(q.packed, absmax, q.code, q.blocksize, n, out);
}

// Storage cost of a 4-bit weight: 4 bits per code plus the absmax statistics per block.
import { NESTED_BLOCKSIZE, type QuantizedTensor, elementCount } from './quantize.js';

/**
 * Bits per parameter for a blocksize: 4 + 32/blocksize without double quantization (4.5 at 64), and
 * 4 + 8/blocksize + 32/(blocksize·256) with it (≈4.127 at 64). Ignores the 16-entry code and the offset.
 */
export function bitsPerParameter(blocksize = 64, doubleQuant = false): number {
  if (!doubleQuant) return 4 + 32 / blocksize;
  return 4 + 8 / blocksize + 32 / (blocksize * NESTED_BLOCKSIZE);
}

/** Exact bytes a quantized tensor occupies in memory (codes, statistics and code tables). */
export function quantizedBytes(q: QuantizedTensor): number {
  let bytes = q.packed.byteLength + q.code.byteLength;
  if (q.absmax) bytes += q.absmax.byteLength;
  if (q.nested) bytes += q.nested.qabsmax.byteLength + q.nested.nestedAbsmax.byteLength + q.nested.nestedCode.byteLength + 4;
  return bytes;
}

/** Measured bits per parameter of one quantized tensor. */
export function measuredBitsPerParameter(q: QuantizedTensor): number {
  return (quantizedBytes(q) * 8) / elementCount(q);
}

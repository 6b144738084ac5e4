// Before merge writes a model folder: every weight must be finite once stored in the chosen dtype. float16 tops out
// at 65504, so a merged weight past it would be written as ±Infinity and load as a model that only computes NaN.
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '@lora/core';
import type { ExportedTensor, SaveDtype } from '@lora/models';
import { CliError } from './errors.js';

/** The largest finite value of each dtype on disk. */
const DTYPE_MAX: Record<SaveDtype, string> = { float32: '3.4e38', bfloat16: '3.39e38', float16: '65504' };

interface BadTensor {
  name: string;
  size: number;
  /** values that are NaN or ±Infinity once stored */
  nonFinite: number;
  /** of those, the ones that were finite in float32 (they overflow the dtype) */
  overflow: number;
  largest: number;
}

/** The tensor's values as `dtype` stores them (float32: as they are). */
function stored(data: Float32Array, dtype: SaveDtype): Float32Array {
  if (dtype === 'float16') return f16ToF32(f32ToF16(data));
  if (dtype === 'bfloat16') return bf16ToF32(f32ToBf16(data));
  return data;
}

function inspect(name: string, data: Float32Array, dtype: SaveDtype): BadTensor | undefined {
  const written = stored(data, dtype);
  let nonFinite = 0;
  let overflow = 0;
  let largest = 0;
  for (let i = 0; i < written.length; i++) {
    if (Number.isFinite(written[i]!)) continue;
    nonFinite++;
    const x = data[i]!;
    if (Number.isFinite(x)) {
      overflow++;
      largest = Math.max(largest, Math.abs(x));
    }
  }
  return nonFinite === 0 ? undefined : { name, size: data.length, nonFinite, overflow, largest };
}

/**
 * Throws a CliError, before anything is written, when a weight would be stored as NaN or ±Infinity in `dtype`: it
 * names the first such tensor and its count, and for an overflow suggests a wider dtype.
 */
export function checkWritableWeights(
  verb: string,
  weights: ReadonlyMap<string, ExportedTensor>,
  dtype: SaveDtype,
): void {
  const bad: BadTensor[] = [];
  for (const [name, t] of weights) {
    const found = inspect(name, t.data, dtype);
    if (found) bad.push(found);
  }
  const first = bad[0];
  if (!first) return;
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more tensor${bad.length > 2 ? 's' : ''})` : '';
  if (first.overflow > 0) {
    const wider = dtype === 'float16' ? 'float32 or bfloat16' : 'float32';
    throw new CliError(
      `lora ${verb}: tensor "${first.name}": expected values that fit ${dtype} (|x| <= ${DTYPE_MAX[dtype]}), got ${first.overflow} of ${first.size} that would be written as ±Infinity (largest |x| ${first.largest.toExponential(3)})${more}; use --dtype ${wider}; nothing was written`,
    );
  }
  throw new CliError(
    `lora ${verb}: tensor "${first.name}": expected finite weights, got ${first.nonFinite} NaN or ±Infinity of ${first.size}${more}; nothing was written`,
  );
}

// Blockwise absmax quantization, as bitsandbytes' default backend does it (backends/default/ops.py:
// quantize_4bit, dequantize_4bit, quantize_blockwise, dequantize_blockwise), over the flattened row-major tensor.
import { kernel, scaledToUnit } from '@lora/core';
import { nearestCodeFinder } from './codebooks.js';
import { describeArgument, nonFiniteMessage, QuantizationError } from './errors.js';

const f32 = Math.fround;

/** Blockwise quantization's result: the codes and the absmax of each block. */
export interface BlockwiseResult {
  /** one code index per element (8-bit), or two per byte (4-bit, first element in the high nibble) */
  codes: Uint8Array;
  /** (blocks) absmax of each block; the ragged last block has its own */
  absmax: Float32Array;
}

/** Blocks of `blocksize` elements needed for `n` elements (the last one may be ragged). */
export function blockCount(n: number, blocksize: number): number {
  return Math.ceil(n / blocksize);
}

/** The arguments every blockwise quantizer takes: a Float32Array, a code table of `codeSize`, a positive block size. */
function checkBlockwiseArgs(
  fn: string,
  values: unknown,
  code: unknown,
  codeSize: number,
  blocksize: unknown,
): asserts values is Float32Array {
  if (!(values instanceof Float32Array)) {
    throw new QuantizationError(`${fn}: values: expected a Float32Array, got ${describeArgument(values)}`);
  }
  if (!(code instanceof Float32Array) || code.length !== codeSize) {
    throw new QuantizationError(
      `${fn}: code: expected a Float32Array of ${codeSize} entries, got ${describeArgument(code)}`,
    );
  }
  if (typeof blocksize !== 'number' || !Number.isInteger(blocksize) || blocksize < 1) {
    throw new QuantizationError(
      `${fn}: blocksize: expected a positive integer, got ${describeArgument(blocksize)}`,
    );
  }
}

/**
 * The absmax of values[start, end). A block holding NaN or ±Infinity has no usable absmax (every value of it would
 * dequantize to NaN): it throws a QuantizationError naming the first such element of `label`.
 */
function blockAbsmax(values: Float32Array, start: number, end: number, label: string): number {
  let max = 0;
  for (let i = start; i < end; i++) max = Math.max(max, Math.abs(values[i]!));
  if (!Number.isFinite(max)) {
    let first = start;
    while (Number.isFinite(values[first]!)) first++;
    throw new QuantizationError(nonFiniteMessage(label, values, first));
  }
  return max;
}

/** Scale each block by 1/absmax in float32, clamp to [-1, 1], and map each value through `assign`. */
function forEachScaled(
  values: Float32Array,
  blocksize: number,
  assign: (index: number, scaled: number) => void,
  label: string,
): Float32Array {
  const n = values.length;
  const absmax = new Float32Array(blockCount(n, blocksize));
  for (let b = 0; b < absmax.length; b++) {
    const start = b * blocksize;
    const end = Math.min(start + blocksize, n);
    const max = blockAbsmax(values, start, end, label);
    absmax[b] = max;
    const inv = f32(1 / f32(max));
    for (let i = start; i < end; i++) assign(i, scaledToUnit(values[i]!, inv));
  }
  return absmax;
}

/**
 * 4-bit blockwise quantization: (n) f32 → ((n+1)/2) packed bytes + (blocks) absmax, by the active backend's
 * quantize4bitBlockwise kernel (the reference's where it has none). Throws QuantizationError for arguments of the
 * wrong kind and for a non-finite value (the first one named by `label` and index).
 */
export function quantize4bitBlockwise(
  values: Float32Array,
  code: Float32Array,
  blocksize: number,
  label = 'quantize4bitBlockwise: values',
): BlockwiseResult {
  checkBlockwiseArgs('quantize4bitBlockwise', values, code, 16, blocksize);
  const n = values.length;
  const codes = new Uint8Array(Math.ceil(n / 2));
  const absmax = new Float32Array(blockCount(n, blocksize));
  kernel('quantize4bitBlockwise')({ values, code, blocksize, n, packed: codes, absmax });
  // a block holding NaN or ±Infinity has a non-finite absmax: name its first such element
  for (let b = 0; b < absmax.length; b++) {
    if (Number.isFinite(absmax[b]!)) continue;
    blockAbsmax(values, b * blocksize, Math.min((b + 1) * blocksize, n), label); // throws, naming the element
    throw new QuantizationError(
      `${label}: block ${b}: expected a finite absmax from the kernel, got ${absmax[b]}`,
    );
  }
  return { codes, absmax };
}

/** Dequantize 4-bit packed codes: out[i] = code[q_i] * absmax[i / blocksize]. */
export function dequantize4bitBlockwise(
  packed: Uint8Array,
  absmax: Float32Array,
  code: Float32Array,
  blocksize: number,
  n: number,
  out: Float32Array = new Float32Array(n),
): Float32Array {
  for (let i = 0; i < n; i++) {
    const byte = packed[i >> 1]!;
    const q = i % 2 === 0 ? byte >> 4 : byte & 0x0f;
    out[i] = f32(code[q]! * absmax[Math.floor(i / blocksize)]!);
  }
  return out;
}

/** 8-bit blockwise quantization against a 256-entry code (used for the nested absmax). */
export function quantize8bitBlockwise(
  values: Float32Array,
  code: Float32Array,
  blocksize: number,
  label = 'quantize8bitBlockwise: values',
): BlockwiseResult {
  checkBlockwiseArgs('quantize8bitBlockwise', values, code, 256, blocksize);
  const nearest = nearestCodeFinder(code); // the scan's answer, by binary search
  const codes = new Uint8Array(values.length);
  const absmax = forEachScaled(
    values,
    blocksize,
    (i, scaled) => {
      codes[i] = nearest(scaled);
    },
    label,
  );
  return { codes, absmax };
}

/** 8-bit blockwise codes back to float32: each code's value in `code` times its block's absmax. */
export function dequantize8bitBlockwise(
  codes: Uint8Array,
  absmax: Float32Array,
  code: Float32Array,
  blocksize: number,
): Float32Array {
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = f32(code[codes[i]!]! * absmax[Math.floor(i / blocksize)]!);
  return out;
}

// What 4-bit quantization does to a weight: quantize a matrix with @lora/quant-nf4 (bitsandbytes' NF4/FP4 blockwise
// scheme), dequantize it, and measure the storage and the reconstruction error.
import { createPrng } from '@lora/datasets';
import {
  dequantize4bit,
  measuredBitsPerParameter,
  type QuantType,
  quantize4bit,
  quantizedBytes,
} from '@lora/quant-nf4';

export interface Nf4Stats {
  quantType: QuantType;
  doubleQuant: boolean;
  blocksize: number;
  shape: [number, number];
  /** float32 bytes of the original */
  denseBytes: number;
  /** bytes of codes, absmax statistics and code tables */
  quantizedBytes: number;
  bitsPerParameter: number;
  maxAbsError: number;
  rmse: number;
  /** rmse / the original's root mean square */
  relativeRmse: number;
  /** how often each of the 16 codes is used */
  codeHistogram: number[];
}

export interface Nf4StatsOptions {
  quantType?: QuantType;
  doubleQuant?: boolean;
  blocksize?: number;
}

/** A (rows, cols) matrix of seeded N(0, std²) values, like a freshly initialised linear weight. */
export function gaussianMatrix(rows: number, cols: number, seed: number, std = 1): Float32Array {
  const prng = createPrng(seed);
  const uniform = () => (prng.nextUint32() + 0.5) / 4294967296;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) {
    out[i] = std * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  }
  return out;
}

/** Quantize `values` (rows, cols) and compare the dequantized result with it. */
export function nf4Stats(
  values: Float32Array,
  rows: number,
  cols: number,
  options: Nf4StatsOptions = {},
): Nf4Stats {
  const quantType = options.quantType ?? 'nf4';
  const doubleQuant = options.doubleQuant ?? true;
  const blocksize = options.blocksize ?? 64;
  const q = quantize4bit(values, [rows, cols], { quantType, doubleQuant, blocksize });
  const restored = dequantize4bit(q); // (rows, cols)
  let maxAbs = 0;
  let sq = 0;
  let ref = 0;
  for (let i = 0; i < values.length; i++) {
    const d = Math.abs(values[i]! - restored[i]!);
    if (d > maxAbs) maxAbs = d;
    sq += d * d;
    ref += values[i]! * values[i]!;
  }
  const codeHistogram = new Array<number>(16).fill(0);
  for (let i = 0; i < values.length; i++) {
    const byte = q.packed[i >> 1]!;
    const code = i % 2 === 0 ? byte >> 4 : byte & 15; // first element in the high nibble
    codeHistogram[code]! += 1;
  }
  const rmse = Math.sqrt(sq / values.length);
  return {
    quantType,
    doubleQuant,
    blocksize,
    shape: [rows, cols],
    denseBytes: values.length * 4,
    quantizedBytes: quantizedBytes(q),
    bitsPerParameter: measuredBitsPerParameter(q),
    maxAbsError: maxAbs,
    rmse,
    relativeRmse: rmse / Math.sqrt(ref / values.length),
    codeHistogram,
  };
}

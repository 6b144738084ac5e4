// The 4-bit codebooks (bitsandbytes functional.get_4bit_type), reproduced in float32 exactly as torch computes them,
// and the 8-bit signed dynamic map (functional.create_dynamic_map, from @lora/core).

const f32 = Math.fround;

/** NF4: 16 quantiles of N(0, 1) normalised to [-1, 1] (QLoRA paper; bitsandbytes get_4bit_type('nf4')). */
export const NF4_CODE: Float32Array = Float32Array.from([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]);

/**
 * FP4 (e2m1 with bitsandbytes' bit layout) divided by its max, 12: get_4bit_type('fp4').
 * bitsandbytes' pure-PyTorch backend tabulates these rounded to 4 decimals; the CUDA kernels and the
 * `quant_map` that checkpoints store use the exact quotients, which is what we use.
 */
export const FP4_CODE: Float32Array = Float32Array.from(
  [0, 0.0625, 8, 12, 4, 6, 2, 3, -0, -0.0625, -8, -12, -4, -6, -2, -3].map((v) => f32(v / 12)),
);

/** The two 4-bit data types of bitsandbytes: NF4 and FP4. */
export type QuantType = 'nf4' | 'fp4';

/** The 16-value codebook of a 4-bit type. */
export function codeFor(quantType: QuantType): Float32Array {
  return quantType === 'nf4' ? NF4_CODE : FP4_CODE;
}

/** bitsandbytes' dynamic map, which the nested absmax uses: it lives in @lora/core beside the kernels that read it. */
/**
 * The nearest code with bitsandbytes' rule (the scan, and its bucketed finder): @lora/core's, beside the
 * quantize4bitBlockwise kernel that codes every element with it.
 */
export { createDynamicMap, nearestCode, nearestCodeFinder } from '@lora/core';

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
export { createDynamicMap } from '@lora/core';

/** Index of the nearest code (first one on ties, like torch.argmin over |x - code| in float32). */
export function nearestCode(x: number, code: Float32Array): number {
  let best = 0;
  let bestDiff = Number.POSITIVE_INFINITY;
  for (let c = 0; c < code.length; c++) {
    const diff = Math.abs(f32(x - code[c]!));
    if (diff < bestDiff) {
      bestDiff = diff;
      best = c;
    }
  }
  return best;
}

/** Buckets over [-1, 1] in nearestCodeFinder: all but the few holding a decision boundary have one answer. */
const BUCKETS = 4096;
/**
 * Adjacent distinct codes closer than this could round to the same |x − code| in float32 (|x − code| ≤ 2 has an ulp
 * of at most 2⁻²²), where only a full scan keeps torch.argmin's first-on-ties: such tables (the 8-bit dynamic map
 * near 0) take nearestCode.
 */
const MIN_GAP = 2 ** -20;

/**
 * nearestCode(x, code) for x in [-1, 1] (what blockwise quantization feeds it) without a scan over the table.
 * |f32(x − v)| only grows as v moves away from x on either side (rounding is monotonic), so the nearest code is the
 * largest distinct value ≤ x or the smallest ≥ x, the lower table index winning equal distances as in the scan; and
 * which of the sorted values wins never decreases as x grows, so a bucket of x whose two ends (widened by 2⁻²⁰) agree
 * has that answer throughout: one lookup for all but the buckets holding a decision boundary. A table with two
 * distinct values closer than MIN_GAP gets the scan itself.
 */
export function nearestCodeFinder(code: Float32Array): (x: number) => number {
  const order = Array.from(code.keys()).sort((a, b) => code[a]! - code[b]! || a - b);
  const values: number[] = []; // distinct values, ascending (0 and −0 are one value)
  const first: number[] = []; // the lowest table index holding each
  for (const c of order) {
    const v = code[c]!;
    if (values.length > 0 && values[values.length - 1] === v) continue;
    if (values.length > 0 && v - values[values.length - 1]! < MIN_GAP) return (x) => nearestCode(x, code);
    values.push(v);
    first.push(c);
  }
  /** the position in `values` of x's nearest code */
  const position = (x: number): number => {
    let i = -1; // the last value ≤ x
    while (i + 1 < values.length && values[i + 1]! <= x) i++;
    if (i < 0) return 0;
    if (i + 1 >= values.length) return i;
    const lower = Math.abs(f32(x - values[i]!));
    const upper = Math.abs(f32(x - values[i + 1]!));
    if (lower !== upper) return lower < upper ? i : i + 1;
    return first[i]! < first[i + 1]! ? i : i + 1;
  };
  const width = 2 / BUCKETS;
  const answer = new Int8Array(BUCKETS + 1).fill(-1); // the table index for every x of the bucket, or −1
  for (let b = 0; b <= BUCKETS; b++) {
    const lo = position(-1 + b * width - MIN_GAP);
    if (lo === position(-1 + (b + 1) * width + MIN_GAP)) answer[b] = first[lo]!;
  }
  return (x) => {
    const known = answer[Math.floor((x + 1) * (BUCKETS / 2))]!;
    if (known >= 0) return known;
    return Number.isNaN(x) ? nearestCode(x, code) : first[position(x)]!; // NaN: the scan's answer, index 0
  };
}

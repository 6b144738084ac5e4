// The 4-bit codebooks (bitsandbytes functional.get_4bit_type) and the 8-bit signed dynamic map
// (functional.create_dynamic_map), reproduced in float32 exactly as torch computes them.

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

export type QuantType = 'nf4' | 'fp4';

export function codeFor(quantType: QuantType): Float32Array {
  return quantType === 'nf4' ? NF4_CODE : FP4_CODE;
}

/**
 * torch.linspace(start, end, steps) in float32, bit-exact with ATen's CPU kernel as built for AVX2: the output is
 * written in pairs of 8-lane vectors, each `arange(base, step)` from a base computed (with a fused multiply-add)
 * from the nearer end; the tail that does not fill two vectors is computed element by element the same way.
 * bitsandbytes builds its dynamic map this way, so the map's last bits follow torch's vector width; checkpoints
 * store the map (nested_quant_map), and loading uses the stored one.
 */
function linspaceF32(start: number, end: number, steps: number): number[] {
  const LANES = 8;
  const s = f32(start);
  const e = f32(end);
  const step = f32(f32(e - s) / (steps - 1));
  const half = Math.floor(steps / 2);
  // step (24-bit mantissa) × a small integer is exact in f64, so one rounding of the sum = the FMA
  const base = (i: number): number => (i < half ? f32(s + step * i) : f32(e - step * (steps - i - 1)));
  const out: number[] = [];
  const vectorized = steps - (steps % (2 * LANES));
  let i = 0;
  for (; i < vectorized; i += LANES) {
    const b = base(i);
    for (let lane = 0; lane < LANES; lane++) out.push(f32(b + f32(lane * step)));
  }
  for (; i < steps; i++) out.push(base(i));
  return out;
}

/**
 * The dynamic quantization map of "8-Bit Approximations for Parallelism in Deep Learning":
 * a dynamic exponent with the remaining bits as a linear fraction; 256 sorted values in [-1, 1].
 * bitsandbytes uses create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8) for the nested absmax.
 */
export function createDynamicMap(signed = true, maxExponentBits = 7, totalBits = 8): Float32Array {
  const data: number[] = [];
  const nonSignBits = totalBits - 1;
  const additionalItems = 2 ** (nonSignBits - maxExponentBits) - 1;
  const pushMeans = (items: number, exponent: number): void => {
    const b = linspaceF32(0.1, 1, items);
    const scale = f32(10 ** exponent);
    for (let j = 0; j + 1 < b.length; j++) {
      const mean = f32(f32(b[j]! + b[j + 1]!) / 2);
      data.push(f32(mean * scale));
      if (signed) data.push(f32(mean * -scale));
    }
  };
  let lastExponent = 0;
  for (let i = 0; i < maxExponentBits; i++) {
    const items = signed ? 2 ** (i + nonSignBits - maxExponentBits) + 1 : 2 ** (i + nonSignBits - maxExponentBits + 1) + 1;
    lastExponent = -(maxExponentBits - 1) + i;
    pushMeans(items, lastExponent);
  }
  if (additionalItems > 0) pushMeans(additionalItems + 1, lastExponent);
  data.push(0, 1.0);
  while (data.length < 256) data.push(0);
  data.sort((a, b) => a - b);
  return Float32Array.from(data);
}

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

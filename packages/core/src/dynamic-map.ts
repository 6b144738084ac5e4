// bitsandbytes' dynamic quantization maps (functional.create_dynamic_map), reproduced in float32 exactly as torch
// computes them: the signed map codes 8-bit optimizer first moments and double-quantized 4-bit absmax, the unsigned
// one 8-bit second moments. Kernels take a map as an argument (adamw8bit's qmap1/qmap2, dequantizeAbsmax's
// nestedCode).

const f32 = Math.fround;

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
 * The dynamic quantization map of "8-Bit Approximations for Parallelism in Deep Learning": a dynamic exponent with the
 * remaining bits as a linear fraction; 256 sorted values in [-1, 1] (signed) or [0, 1] (unsigned), 0 and 1 among
 * them. bitsandbytes uses create_dynamic_map(signed=True) for the nested absmax and 8-bit first moments, and
 * create_dynamic_map(signed=False) for 8-bit second moments.
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
    const items = signed
      ? 2 ** (i + nonSignBits - maxExponentBits) + 1
      : 2 ** (i + nonSignBits - maxExponentBits + 1) + 1;
    lastExponent = -(maxExponentBits - 1) + i;
    pushMeans(items, lastExponent);
  }
  if (additionalItems > 0) pushMeans(additionalItems + 1, lastExponent);
  data.push(0, 1.0);
  while (data.length < 256) data.push(0);
  data.sort((a, b) => a - b);
  return Float32Array.from(data);
}

// Exact f32 <-> bf16 / f16 conversion on bit patterns (IEEE 754 binary16; bfloat16 = top half of binary32).
// Rounding is round-to-nearest-even, as torch's `.to(torch.bfloat16 | torch.float16)` and F16C/AVX512-BF16 do.
// Arrays are converted through integer views, so NaN payloads are never canonicalised by the JS engine.

const scalarF32 = new Float32Array(1);
const scalarU32 = new Uint32Array(scalarF32.buffer);

function u32View(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function checkOut(fn: string, inLength: number, out: { length: number }): void {
  if (out.length !== inLength) {
    throw new RangeError(`${fn}: expected out of length ${inLength}, got ${out.length}`);
  }
}

/** bf16 bits -> f32 bits: exact (bf16 is the upper 16 bits of an f32). */
function bf16BitsToF32Bits(h: number): number {
  return (h << 16) >>> 0;
}

/** f32 bits -> bf16 bits, round to nearest even; NaN stays NaN with its sign, quiet bit set. */
function f32BitsToBf16Bits(u: number): number {
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x0040) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** f16 bits -> f32 bits: exact for every pattern, subnormals normalised, NaN payload kept. */
function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // subnormal: mant * 2^-24; shift the leading one up to bit 10 and lower the exponent to match
  let e = 1;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | ((e + 112) << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** f32 bits -> f16 bits, round to nearest even: overflow to ±Inf, underflow through subnormals to ±0. */
function f32BitsToF16Bits(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  const a = u & 0x7fffffff;
  if (a >= 0x7f800000) {
    if (a === 0x7f800000) return sign | 0x7c00;
    return sign | 0x7e00 | ((a >>> 13) & 0x3ff); // NaN: keep the top payload bits, set the quiet bit
  }
  if (a >= 0x477ff000) return sign | 0x7c00; // >= 65520 = 65504 + half an ulp: ties-to-even go up to Inf
  if (a >= 0x38800000) {
    // normal f16 (>= 2^-14): rebias the exponent (127 - 15 = 112), then round 13 mantissa bits away
    const r = a - 0x38000000;
    return sign | ((r + 0xfff + ((r >>> 13) & 1)) >>> 13);
  }
  const exp = a >>> 23;
  if (exp < 102) return sign; // below 2^-25 (half the smallest subnormal): rounds to ±0
  // subnormal f16: value = m * 2^(exp - 150) = (m >> s) * 2^-24 with s = 126 - exp in [14, 24]
  const m = (a & 0x7fffff) | 0x800000;
  const s = 126 - exp;
  let q = m >>> s;
  const rem = m & ((1 << s) - 1);
  const half = 1 << (s - 1);
  if (rem > half || (rem === half && (q & 1) === 1)) q++; // may carry into 0x400, the smallest normal: correct
  return sign | q;
}

let f16Table: Uint32Array | undefined;

function f16ToF32Table(): Uint32Array {
  if (!f16Table) {
    f16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToF32Bits(h);
  }
  return f16Table;
}

/** Decode bf16 bit patterns to f32 (exact). `out` must have the same length; a new array otherwise. */
export function bf16ToF32(src: Uint16Array, out?: Float32Array): Float32Array {
  const dst = out ?? new Float32Array(src.length);
  checkOut('bf16ToF32', src.length, dst);
  const bits = u32View(dst);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return dst;
}

/** Encode f32 to bf16 bit patterns, round to nearest even; ±Inf kept, NaN stays a (quiet) NaN. */
export function f32ToBf16(src: Float32Array, out?: Uint16Array): Uint16Array {
  const dst = out ?? new Uint16Array(src.length);
  checkOut('f32ToBf16', src.length, dst);
  const bits = u32View(src);
  for (let i = 0; i < bits.length; i++) dst[i] = f32BitsToBf16Bits(bits[i]!);
  return dst;
}

/** Decode f16 bit patterns to f32 (exact: subnormals, ±0, ±Inf, NaN). */
export function f16ToF32(src: Uint16Array, out?: Float32Array): Float32Array {
  const dst = out ?? new Float32Array(src.length);
  checkOut('f16ToF32', src.length, dst);
  const table = f16ToF32Table();
  const bits = u32View(dst);
  for (let i = 0; i < src.length; i++) bits[i] = table[src[i]!]!;
  return dst;
}

/** Encode f32 to f16 bit patterns, round to nearest even; |x| >= 65520 -> ±Inf, tiny values -> subnormals or ±0. */
export function f32ToF16(src: Float32Array, out?: Uint16Array): Uint16Array {
  const dst = out ?? new Uint16Array(src.length);
  checkOut('f32ToF16', src.length, dst);
  const bits = u32View(src);
  for (let i = 0; i < bits.length; i++) dst[i] = f32BitsToF16Bits(bits[i]!);
  return dst;
}

/** Decode f64 to f32 (round to nearest even, as `Math.fround`). */
export function f64ToF32(src: Float64Array, out?: Float32Array): Float32Array {
  const dst = out ?? new Float32Array(src.length);
  checkOut('f64ToF32', src.length, dst);
  for (let i = 0; i < src.length; i++) dst[i] = src[i]!;
  return dst;
}

/** One bf16 bit pattern (0..65535) as a number. */
export function bf16BitsToNumber(bits: number): number {
  scalarU32[0] = bf16BitsToF32Bits(bits & 0xffff);
  return scalarF32[0]!;
}

/** One number as a bf16 bit pattern; the number is first rounded to f32 (`Math.fround`). */
export function numberToBf16Bits(x: number): number {
  scalarF32[0] = x;
  return f32BitsToBf16Bits(scalarU32[0]!);
}

/** One f16 bit pattern (0..65535) as a number. */
export function f16BitsToNumber(bits: number): number {
  scalarU32[0] = f16BitsToF32Bits(bits & 0xffff);
  return scalarF32[0]!;
}

/** One number as an f16 bit pattern; the number is first rounded to f32 (`Math.fround`). */
export function numberToF16Bits(x: number): number {
  scalarF32[0] = x;
  return f32BitsToF16Bits(scalarU32[0]!);
}

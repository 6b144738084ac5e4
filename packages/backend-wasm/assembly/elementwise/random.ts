// Reference: packages/core/src/kernels/reference/random.ts — inverted dropout (torch.nn.Dropout) and NEFTune's
// uniform noise (TRL), drawn from packages/core/src/kernels/counter-hash.ts: element i of stream `seed` is
// lowbias32(lowbias32(seed) xor i), four lanes at a time (i32x4.mul keeps the low 32 bits, as Math.imul does), so
// the values are the reference's to the bit in any order and on any thread.
import { argF32, argI32, argPtr, at, quadShare, shareHi, shareLo } from './job-args';

const MUL1: u32 = 0x21f0aaad;
const MUL2: u32 = 0x735a2d97;

/** lowbias32 of one value */
export function lowbias32(x: u32): u32 {
  x ^= x >> 16;
  x *= MUL1;
  x ^= x >> 15;
  x *= MUL2;
  x ^= x >> 15;
  return x;
}

/** lowbias32 in each lane */
function lowbias32x4(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(MUL1));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(MUL2));
  return v128.xor(x, i32x4.shr_u(x, 15));
}

/** the lane indices i, i + 1, i + 2, i + 3 */
function lanes(i: i32): v128 {
  return i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3));
}

/**
 * Job EW_DROPOUT, elements split across threads (multiples of 4): out = x · scale where counterHash(seed, i) ≥
 * threshold (unsigned), else +0; out may alias x. x · scale is one float32 product, what the reference's float64
 * product of two float32 values rounds to. Args: x, out, n, seed (u32), threshold (u32), scale (f32).
 */
export function dropoutThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const out = argPtr(job, 1);
  const share = quadShare(argI32(job, 2), tid, nthreads);
  const key = lowbias32(<u32>argI32(job, 3));
  const threshold = <u32>argI32(job, 4);
  const scale = argF32(job, 5);
  const key4 = i32x4.splat(key);
  const t4 = i32x4.splat(threshold);
  const s4 = f32x4.splat(scale);
  const end = shareHi(share);
  let i = shareLo(share);
  for (; i + 4 <= end; i += 4) {
    const keep = i32x4.ge_u(lowbias32x4(v128.xor(key4, lanes(i))), t4);
    v128.store(at(out, i), v128.and(f32x4.mul(v128.load(at(x, i)), s4), keep)); // (n)
  }
  for (; i < end; i++) {
    const keep = lowbias32(key ^ <u32>i) >= threshold;
    store<f32>(at(out, i), keep ? load<f32>(at(x, i)) * scale : 0);
  }
}

/** 2⁻²³: (k − 2²³) · 2⁻²³ = 2u − 1 for u = k / 2²⁴, exactly */
const TWO_POW_M23: f32 = 1.1920928955078125e-7;

/**
 * Job EW_UNIFORM_NOISE, elements split across threads (multiples of 4): x += f32((2u − 1) · magnitude), u =
 * (counterHash(seed, i) >>> 8) / 2²⁴; 2u − 1 is exact in float32, so each step is one rounding as in the reference.
 * Args: x, n, seed (u32), magnitude (f32).
 */
export function uniformNoiseThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const share = quadShare(argI32(job, 1), tid, nthreads);
  const key = lowbias32(<u32>argI32(job, 2));
  const magnitude = argF32(job, 3);
  const key4 = i32x4.splat(key);
  const half = i32x4.splat(1 << 23);
  const unit = f32x4.splat(TWO_POW_M23);
  const m4 = f32x4.splat(magnitude);
  const end = shareHi(share);
  let i = shareLo(share);
  for (; i + 4 <= end; i += 4) {
    const k = i32x4.shr_u(lowbias32x4(v128.xor(key4, lanes(i))), 8);
    const centered = f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(k, half)), unit); // 2u − 1
    v128.store(at(x, i), f32x4.add(v128.load(at(x, i)), f32x4.mul(centered, m4))); // (n)
  }
  for (; i < end; i++) {
    const k = <i32>(lowbias32(key ^ <u32>i) >> 8);
    const centered = <f32>(k - (1 << 23)) * TWO_POW_M23;
    store<f32>(at(x, i), load<f32>(at(x, i)) + centered * magnitude);
  }
}

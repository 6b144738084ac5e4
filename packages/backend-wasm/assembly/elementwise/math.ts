// Reference: Cephes expf (S. L. Moshier, Cephes Math Library 2.2): exp(x) = 2^n · e^r, r = x − n·ln2 with ln2
// split in two (so n·LN2_HI is exact), e^r from a degree-5 minimax polynomial on |r| ≤ ln2/2.
//
// Accuracy (src/elementwise-math.test.ts sweeps every 2039th float32 in [−110, 95] against Math.exp rounded to
// float32; a denser sweep, every 257th, gave the same): exp is within 1 ulp wherever the result is a normal float,
// within one subnormal step below 2^−126 (the scaling by 2^n is split in two factors, so a subnormal result rounds
// once more); exp(x) is +Infinity from x ≈ 88.73 up, +0 from x ≈ −103.98 down (−Infinity included), NaN for NaN,
// as Math.exp rounded to float32 gives. sigmoid(x) = 1 / (1 + exp(−x)) is within 2 ulp of its normal results,
// exactly 0 below x ≈ −88.7 (where the true value is under 2^−126) and exactly 1 above x ≈ 17; never NaN but for NaN.
// There is no tanh: GELU's 1 + tanh(u) is 2·sigmoid(2u), which never cancels (activations.ts).
import { argI32, argPtr, at, quadShare, shareHi, shareLo } from './job-args';

const LOG2E: f32 = <f32>Math.LOG2E;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;
/** exp(89) overflows float32: clamping here keeps 2^n representable as two factors and still gives Inf */
const EXP_MAX: f32 = 89.0;
/** exp(x) rounds to +0 in float32 below −103.98: lanes under −104 give +0 without computing */
const EXP_MIN: f32 = -104.0;
const P0: f32 = 1.98756915e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;

/** e^x in each lane (see the accuracy bound above) */
export function vexp(x: v128): v128 {
  // Lanes below EXP_MIN (masked −Infinity scores) are computed from 0 and zeroed at the end: an underflowing
  // multiply would cost a microcode assist on x86 (tens of times a normal one) for a result that is +0 anyway.
  const under = f32x4.lt(x, f32x4.splat(EXP_MIN)); // false for NaN, which stays NaN
  const xc = v128.andnot(f32x4.min(x, f32x4.splat(EXP_MAX)), under);
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(P0), r), f32x4.splat(P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(P5));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1)); // e^r ∈ [0.7, 1.42]
  // 2^n as 2^n1 · 2^n2, both normal for n ∈ [−150, 128]: subnormal results and overflow to Inf come out right
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(f32x4.mul(y, s1), s2), under);
}

/** 1 / (1 + e^−x) in each lane */
export function vsigmoid(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), vexp(f32x4.neg(x))));
}

/** e^x of one value through the vector path, so tails match the lanes bit for bit */
export function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}

/** acc (f64x2) + the four lanes of v (f32x4), promoted: long float32 sums keep float64 partials */
export function addWide(acc: v128, v: v128): v128 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
  return f64x2.add(acc, f64x2.add(lo, hi));
}

/** lane 0 + lane 1 of an f64x2 */
export function hsum64(acc: v128): f64 {
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/** Float32 lanes summed this many vectors at a time before they are folded into float64. */
export const BLOCK_VECTORS: i32 = 32;

export const MATH_EXP: i32 = 0;
export const MATH_SIGMOID: i32 = 1;

/**
 * Job EW_MATH, for the accuracy tests: dst[i] = f(src[i]), f = MATH_EXP or MATH_SIGMOID.
 * Args: src, dst, n, f.
 */
export function mathThread(job: usize, tid: i32, nthreads: i32): void {
  const src = argPtr(job, 0);
  const dst = argPtr(job, 1);
  const share = quadShare(argI32(job, 2), tid, nthreads);
  const f = argI32(job, 3);
  const end = shareHi(share);
  let i = shareLo(share);
  for (; i + 4 <= end; i += 4) {
    const x = v128.load(at(src, i));
    v128.store(at(dst, i), f === MATH_EXP ? vexp(x) : vsigmoid(x));
  }
  for (; i < end; i++) {
    const x = f32x4.splat(load<f32>(at(src, i)));
    store<f32>(at(dst, i), f32x4.extract_lane(f === MATH_EXP ? vexp(x) : vsigmoid(x), 0));
  }
}

// Reference: packages/core/src/kernels/reference/softcap.ts — tanh soft-capping (Gemma 2's attention scores and final
// logits), in float32 lanes.
//
// tanh as Cephes tanhf (S. L. Moshier, Cephes Math Library 2.2): for |u| < 0.625 an odd polynomial, u + u³·P(u²),
// which keeps the relative accuracy where tanh u ≈ u; above, (1 − e)/(1 + e) with e = exp(−2|u|) ≤ 0.29 (no
// cancellation, no overflow: e → +0 gives 1), the sign of u put back. A few ulp either way; NaN stays NaN.
import { argF32, argI32, argPtr, at, quadShare, shareHi, shareLo } from './job-args';
import { vexp } from './math';

const SMALL: f32 = 0.625;
const T0: f32 = -5.70498872745e-3;
const T1: f32 = 2.06390887954e-2;
const T2: f32 = -5.37397155531e-2;
const T3: f32 = 1.33314422036e-1;
const T4: f32 = -3.33332819422e-1;

/** tanh(u) in each lane */
function vtanh(u: v128): v128 {
  const a = f32x4.abs(u);
  const z = f32x4.mul(u, u);
  let p = f32x4.add(f32x4.mul(f32x4.splat(T0), z), f32x4.splat(T1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(T4));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), u), u);
  const e = vexp(f32x4.mul(f32x4.splat(-2), a));
  const large = f32x4.div(f32x4.sub(f32x4.splat(1), e), f32x4.add(f32x4.splat(1), e)); // tanh |u|
  const signed = v128.or(large, v128.and(u, f32x4.splat(-0.0))); // the sign bit of u
  return v128.bitselect(small, signed, f32x4.lt(a, f32x4.splat(SMALL)));
}

/** cap · tanh(x / cap) */
function capped(x: v128, cap: v128): v128 {
  return f32x4.mul(cap, vtanh(f32x4.div(x, cap)));
}

/** dy · (1 − (y / cap)²) */
function cappedBackward(y: v128, dy: v128, cap: v128): v128 {
  const t = f32x4.div(y, cap);
  return f32x4.mul(dy, f32x4.sub(f32x4.splat(1), f32x4.mul(t, t)));
}

/** Job EW_SOFTCAP, elements split across threads (multiples of 4); out may alias x. Args: x, out, n, cap (f32). */
export function softcapThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const out = argPtr(job, 1);
  const share = quadShare(argI32(job, 2), tid, nthreads);
  const cap = f32x4.splat(argF32(job, 3));
  const end = shareHi(share);
  let i = shareLo(share);
  for (; i + 4 <= end; i += 4) v128.store(at(out, i), capped(v128.load(at(x, i)), cap)); // (n)
  for (; i < end; i++)
    store<f32>(at(out, i), f32x4.extract_lane(capped(f32x4.splat(load<f32>(at(x, i))), cap), 0));
}

/** Job EW_SOFTCAP_BACKWARD, as EW_SOFTCAP's split; dx may alias dy. Args: y, dy, dx, n, cap (f32). */
export function softcapBackwardThread(job: usize, tid: i32, nthreads: i32): void {
  const y = argPtr(job, 0);
  const dy = argPtr(job, 1);
  const dx = argPtr(job, 2);
  const share = quadShare(argI32(job, 3), tid, nthreads);
  const cap = f32x4.splat(argF32(job, 4));
  const end = shareHi(share);
  let i = shareLo(share);
  for (; i + 4 <= end; i += 4)
    v128.store(at(dx, i), cappedBackward(v128.load(at(y, i)), v128.load(at(dy, i)), cap)); // (n)
  for (; i < end; i++) {
    const v = cappedBackward(f32x4.splat(load<f32>(at(y, i))), f32x4.splat(load<f32>(at(dy, i))), cap);
    store<f32>(at(dx, i), f32x4.extract_lane(v, 0));
  }
}

// Reference: packages/core/src/kernels/reference/activations.ts — SiLU (torch.nn.functional.silu) and GELU with
// the tanh approximation (transformers gelu_pytorch_tanh), in float32 lanes.
//
// GELU is computed as x · sigmoid(2u), u = √(2/π)(x + 0.044715x³), since ½(1 + tanh u) = sigmoid(2u): no tanh and
// no cancellation of 1 + tanh u for x ≲ −4. Its derivative ½(1 + t) + ½x(1 − t²)u' becomes s + 2x·s(1 − s)·u'.
// 1 − s is taken as e·s (e = exp(−z)) for z ≥ 0 and as 1 − s below, exact enough on either side and never Inf·0.
import { argI32, argPtr, at, quadShare, shareHi, shareLo } from './job-args';
import { vexp } from './math';

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const GELU_COEF: f32 = 0.044715;

function one(): v128 {
  return f32x4.splat(1);
}

/** out = x / (1 + e^−x) */
function silu(x: v128): v128 {
  return f32x4.div(x, f32x4.add(one(), vexp(f32x4.neg(x))));
}

/** 1 − s for s = 1 / (1 + e), e = exp(−z): e·s where z ≥ 0 (e ≤ 1), else 1 − s (s < ½, no cancellation) */
function complement(z: v128, e: v128, s: v128): v128 {
  return v128.bitselect(f32x4.sub(one(), s), f32x4.mul(e, s), f32x4.lt(z, f32x4.splat(0)));
}

/** dout · s · (1 + x(1 − s)) */
function siluBackward(x: v128, dout: v128): v128 {
  const e = vexp(f32x4.neg(x));
  const s = f32x4.div(one(), f32x4.add(one(), e));
  return f32x4.mul(f32x4.mul(dout, s), f32x4.add(one(), f32x4.mul(x, complement(x, e, s))));
}

/** 2u = 2√(2/π)(x + 0.044715x³) */
function geluArg2(x: v128): v128 {
  const x3 = f32x4.mul(f32x4.mul(x, x), x);
  const inner = f32x4.add(x, f32x4.mul(f32x4.splat(GELU_COEF), x3));
  return f32x4.mul(f32x4.splat(2 * SQRT_2_OVER_PI), inner);
}

/** x · sigmoid(2u) = x / (1 + e^−2u) */
function gelu(x: v128): v128 {
  return f32x4.div(x, f32x4.add(one(), vexp(f32x4.neg(geluArg2(x)))));
}

/** dout · (s + 2x · s(1 − s) · √(2/π)(1 + 3·0.044715x²)), s = sigmoid(2u) */
function geluBackward(x: v128, dout: v128): v128 {
  const z = geluArg2(x);
  const e = vexp(f32x4.neg(z));
  const s = f32x4.div(one(), f32x4.add(one(), e));
  const du = f32x4.mul(
    f32x4.splat(SQRT_2_OVER_PI),
    f32x4.add(one(), f32x4.mul(f32x4.splat(3 * GELU_COEF), f32x4.mul(x, x))),
  );
  const tail = f32x4.mul(f32x4.mul(f32x4.mul(f32x4.add(x, x), s), complement(z, e, s)), du);
  return f32x4.mul(dout, f32x4.add(s, tail));
}

/** Job EW_SILU / EW_GELU_TANH. Args: x, out, n. */
export function unaryThread(job: usize, tid: i32, nthreads: i32, isGelu: bool): void {
  const x = argPtr(job, 0);
  const out = argPtr(job, 1);
  const share = quadShare(argI32(job, 2), tid, nthreads);
  const end = shareHi(share);
  let i = shareLo(share);
  for (; i + 4 <= end; i += 4) {
    const v = v128.load(at(x, i));
    v128.store(at(out, i), isGelu ? gelu(v) : silu(v)); // (n)
  }
  for (; i < end; i++) {
    const v = f32x4.splat(load<f32>(at(x, i)));
    store<f32>(at(out, i), f32x4.extract_lane(isGelu ? gelu(v) : silu(v), 0));
  }
}

/** Job EW_SILU_BACKWARD / EW_GELU_TANH_BACKWARD. Args: x, dout, dx, n. */
export function unaryBackwardThread(job: usize, tid: i32, nthreads: i32, isGelu: bool): void {
  const x = argPtr(job, 0);
  const dout = argPtr(job, 1);
  const dx = argPtr(job, 2);
  const share = quadShare(argI32(job, 3), tid, nthreads);
  const end = shareHi(share);
  let i = shareLo(share);
  for (; i + 4 <= end; i += 4) {
    const v = v128.load(at(x, i));
    const d = v128.load(at(dout, i));
    v128.store(at(dx, i), isGelu ? geluBackward(v, d) : siluBackward(v, d)); // (n)
  }
  for (; i < end; i++) {
    const v = f32x4.splat(load<f32>(at(x, i)));
    const d = f32x4.splat(load<f32>(at(dout, i)));
    store<f32>(at(dx, i), f32x4.extract_lane(isGelu ? geluBackward(v, d) : siluBackward(v, d), 0));
  }
}

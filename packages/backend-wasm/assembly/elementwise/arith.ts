// Reference: packages/core/src/kernels/reference/elementwise.ts — torch add / mul / axpy-style ops, nn.Linear's bias
// and its gradient. add, mul and addBias are one float32 operation per lane (what the reference's float64 result
// rounds to); axpy and scale compute in float64 lanes as the reference does, so all of them match it to the bit.
import { argF64, argI32, argPtr, at, quadShare, shareHi, shareLo, shareStart } from './job-args';

/**
 * Job EW_ADD / EW_MUL, elements split across threads (multiples of 4): out = a + b or a ⊙ b; out may alias a or b
 * (each lane is read before it is written). Args: a, b, out, n.
 */
export function binaryThread(job: usize, tid: i32, nthreads: i32, isMul: bool): void {
  const a = argPtr(job, 0);
  const b = argPtr(job, 1);
  const out = argPtr(job, 2);
  const share = quadShare(argI32(job, 3), tid, nthreads);
  const end = shareHi(share);
  let i = shareLo(share);
  if (isMul) {
    for (; i + 8 <= end; i += 8) {
      const lo = f32x4.mul(v128.load(at(a, i)), v128.load(at(b, i)));
      const hi = f32x4.mul(v128.load(at(a, i), 16), v128.load(at(b, i), 16));
      v128.store(at(out, i), lo);
      v128.store(at(out, i), hi, 16);
    }
    for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.mul(v128.load(at(a, i)), v128.load(at(b, i))));
    for (; i < end; i++) store<f32>(at(out, i), load<f32>(at(a, i)) * load<f32>(at(b, i)));
  } else {
    for (; i + 8 <= end; i += 8) {
      const lo = f32x4.add(v128.load(at(a, i)), v128.load(at(b, i)));
      const hi = f32x4.add(v128.load(at(a, i), 16), v128.load(at(b, i), 16));
      v128.store(at(out, i), lo);
      v128.store(at(out, i), hi, 16);
    }
    for (; i + 4 <= end; i += 4) v128.store(at(out, i), f32x4.add(v128.load(at(a, i)), v128.load(at(b, i))));
    for (; i < end; i++) store<f32>(at(out, i), load<f32>(at(a, i)) + load<f32>(at(b, i)));
  }
}

/** the low and high pairs of 4 floats as float64 lanes */
function low64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

function high64(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** two f64x2 rounded to float32 and joined into one f32x4 */
function join32(lo: v128, hi: v128): v128 {
  return f32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * Job EW_AXPY, elements split across threads (multiples of 4): y = f32(y + alpha·x), the product and sum in float64
 * as the reference computes them. Args: x, y, n, alpha (f64).
 */
export function axpyThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const y = argPtr(job, 1);
  const share = quadShare(argI32(job, 2), tid, nthreads);
  const alpha = argF64(job, 3);
  const a2 = f64x2.splat(alpha);
  const end = shareHi(share);
  let i = shareLo(share);
  for (; i + 4 <= end; i += 4) {
    const xv = v128.load(at(x, i));
    const yv = v128.load(at(y, i));
    const lo = f64x2.add(low64(yv), f64x2.mul(a2, low64(xv)));
    const hi = f64x2.add(high64(yv), f64x2.mul(a2, high64(xv)));
    v128.store(at(y, i), join32(lo, hi)); // (n)
  }
  for (; i < end; i++)
    store<f32>(at(y, i), <f32>(<f64>load<f32>(at(y, i)) + alpha * <f64>load<f32>(at(x, i))));
}

/**
 * Job EW_SCALE, elements split across threads (multiples of 4): out = f32(alpha·x), the product in float64; out may
 * alias x. Args: x, out, n, alpha (f64).
 */
export function scaleThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const out = argPtr(job, 1);
  const share = quadShare(argI32(job, 2), tid, nthreads);
  const alpha = argF64(job, 3);
  const a2 = f64x2.splat(alpha);
  const end = shareHi(share);
  let i = shareLo(share);
  for (; i + 4 <= end; i += 4) {
    const xv = v128.load(at(x, i));
    v128.store(at(out, i), join32(f64x2.mul(a2, low64(xv)), f64x2.mul(a2, high64(xv)))); // (n)
  }
  for (; i < end; i++) store<f32>(at(out, i), <f32>(alpha * <f64>load<f32>(at(x, i))));
}

/** Job EW_ADD_BIAS, rows split across threads: x[r, :] += bias. Args: x, bias, rows, cols. */
export function addBiasThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const bias = argPtr(job, 1);
  const rows = argI32(job, 2);
  const cols = argI32(job, 3);
  const vecEnd = cols & ~3;
  const r1 = shareStart(rows, tid + 1, nthreads);
  for (let r = shareStart(rows, tid, nthreads); r < r1; r++) {
    const row = at(x, r * cols);
    for (let c = 0; c < vecEnd; c += 4)
      v128.store(at(row, c), f32x4.add(v128.load(at(row, c)), v128.load(at(bias, c)))); // (T, C)
    for (let c = vecEnd; c < cols; c++)
      store<f32>(at(row, c), load<f32>(at(row, c)) + load<f32>(at(bias, c)));
  }
}

/**
 * Job EW_COLUMN_SUMS, columns split across threads in fours: out[c] = f32(out[c] + Σ_r x[r, c]), each column summed
 * in float64 over the rows in order and added once, as the reference does (so it matches it to the bit). Eight
 * columns at a time (four f64x2 sums), then four, then one. Args: x, out, rows, cols.
 */
export function columnSumsThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const out = argPtr(job, 1);
  const rows = argI32(job, 2);
  const cols = argI32(job, 3);
  const share = quadShare(cols, tid, nthreads);
  const end = shareHi(share);
  let c = shareLo(share);
  for (; c + 8 <= end; c += 8) {
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    let s2 = f64x2.splat(0);
    let s3 = f64x2.splat(0);
    for (let r = 0; r < rows; r++) {
      const p = at(x, r * cols + c);
      const v = v128.load(p);
      const w = v128.load(p, 16);
      s0 = f64x2.add(s0, low64(v));
      s1 = f64x2.add(s1, high64(v));
      s2 = f64x2.add(s2, low64(w));
      s3 = f64x2.add(s3, high64(w));
    }
    const o = at(out, c);
    const ov = v128.load(o);
    const ow = v128.load(o, 16);
    v128.store(o, join32(f64x2.add(low64(ov), s0), f64x2.add(high64(ov), s1))); // (C)
    v128.store(o, join32(f64x2.add(low64(ow), s2), f64x2.add(high64(ow), s3)), 16);
  }
  for (; c + 4 <= end; c += 4) {
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    for (let r = 0; r < rows; r++) {
      const v = v128.load(at(x, r * cols + c));
      s0 = f64x2.add(s0, low64(v));
      s1 = f64x2.add(s1, high64(v));
    }
    const o = at(out, c);
    const ov = v128.load(o);
    v128.store(o, join32(f64x2.add(low64(ov), s0), f64x2.add(high64(ov), s1)));
  }
  for (; c < end; c++) {
    let sum: f64 = 0;
    for (let r = 0; r < rows; r++) sum += <f64>load<f32>(at(x, r * cols + c));
    store<f32>(at(out, c), <f32>(<f64>load<f32>(at(out, c)) + sum));
  }
}

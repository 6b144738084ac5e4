// Reference: BLAS sgemv ("T" form, y = alpha·Aᵀx [+ y]): a one-row product is a dot product per output. A GEMM would
// pack the whole weight to use each element once; here each output reads its weight row where it lies (a Linear
// weight [out, in] is contiguous along the depth), so a decoding step streams the weight exactly once.
import {
  JOB_ACCUMULATE,
  JOB_ALPHA,
  JOB_ALWAYS_PACK,
  JOB_A_CS,
  JOB_B_CS,
  JOB_B_PACKER,
  JOB_B_RS,
  JOB_C_BATCH_STRIDE,
  JOB_C_PTR,
  JOB_K,
  JOB_M,
  f32At,
  jobF32,
  jobI32,
} from './job';
import { aAt } from './pack-a';
import { bAt, PACK_B_F32 } from './pack-b';
import { madd } from './microkernel';

/** A one-row product whose A row and B columns are contiguous along the depth (x·Wᵀ with W [N, K]), f32 B. */
export function gemvEligible(job: usize): bool {
  return (
    jobI32(job, JOB_M) === 1 &&
    jobI32(job, JOB_B_PACKER) === PACK_B_F32 &&
    jobI32(job, JOB_B_RS) === 1 &&
    jobI32(job, JOB_A_CS) === 1 &&
    jobI32(job, JOB_ALWAYS_PACK) === 0
  );
}

/**
 * C[0, j0:j1] of batch item bi = alpha · Σ_p A(0, p)·B(p, j) [+ C]. Every output is summed in the same order (two
 * vector accumulators over 8-wide steps, a 4-wide step, the scalar tail) whether it falls in a group of four or not,
 * so results do not depend on how the columns are split between threads.
 */
export function gemvBlock(job: usize, bi: i32, j0: i32, j1: i32): void {
  const k = jobI32(job, JOB_K);
  const x = aAt(job, bi, 0, 0);
  const rowBytes = (<usize>jobI32(job, JOB_B_CS)) << 2;
  const alpha = jobF32(job, JOB_ALPHA);
  const accumulate = jobI32(job, JOB_ACCUMULATE) !== 0;
  const c = f32At(<usize>jobI32(job, JOB_C_PTR), <usize>bi * <usize>jobI32(job, JOB_C_BATCH_STRIDE));
  const k8 = k & ~7;
  const k4 = k & ~3;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const b0 = bAt(job, bi, 0, j);
    const b1 = b0 + rowBytes;
    const b2 = b1 + rowBytes;
    const b3 = b2 + rowBytes;
    let s00 = f32x4.splat(0);
    let s01 = f32x4.splat(0);
    let s10 = f32x4.splat(0);
    let s11 = f32x4.splat(0);
    let s20 = f32x4.splat(0);
    let s21 = f32x4.splat(0);
    let s30 = f32x4.splat(0);
    let s31 = f32x4.splat(0);
    for (let p: usize = 0; p < <usize>k8 << 2; p += 32) {
      const x0 = v128.load(x + p); // A(0, p:p+4)
      const x1 = v128.load(x + p, 16); // A(0, p+4:p+8)
      s00 = madd(x0, v128.load(b0 + p), s00);
      s01 = madd(x1, v128.load(b0 + p, 16), s01);
      s10 = madd(x0, v128.load(b1 + p), s10);
      s11 = madd(x1, v128.load(b1 + p, 16), s11);
      s20 = madd(x0, v128.load(b2 + p), s20);
      s21 = madd(x1, v128.load(b2 + p, 16), s21);
      s30 = madd(x0, v128.load(b3 + p), s30);
      s31 = madd(x1, v128.load(b3 + p, 16), s31);
    }
    storeDot(c, j, finishDot(x, b0, s00, s01, k8, k4, k), alpha, accumulate);
    storeDot(c, j + 1, finishDot(x, b1, s10, s11, k8, k4, k), alpha, accumulate);
    storeDot(c, j + 2, finishDot(x, b2, s20, s21, k8, k4, k), alpha, accumulate);
    storeDot(c, j + 3, finishDot(x, b3, s30, s31, k8, k4, k), alpha, accumulate);
  }
  for (; j < j1; j++) {
    const b0 = bAt(job, bi, 0, j);
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    for (let p: usize = 0; p < <usize>k8 << 2; p += 32) {
      s0 = madd(v128.load(x + p), v128.load(b0 + p), s0);
      s1 = madd(v128.load(x + p, 16), v128.load(b0 + p, 16), s1);
    }
    storeDot(c, j, finishDot(x, b0, s0, s1, k8, k4, k), alpha, accumulate);
  }
}

/** The dot product of row `b` with x from its 8-wide partial sums: + one 4-wide step, lanes, then the scalar tail. */
@inline
function finishDot(x: usize, b: usize, s0: v128, s1: v128, k8: i32, k4: i32, k: i32): f32 {
  let s = f32x4.add(s0, s1);
  if (k4 > k8) {
    const p = (<usize>k8) << 2;
    s = madd(v128.load(x + p), v128.load(b + p), s);
  }
  let sum =
    f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  for (let p = k4; p < k; p++) {
    const at = (<usize>p) << 2;
    sum += load<f32>(x + at) * load<f32>(b + at);
  }
  return sum;
}

/** C(0, j) = alpha·sum [+ C(0, j)]: a multiply then an add, as the micro-kernel stores */
@inline
function storeDot(c: usize, j: i32, sum: f32, alpha: f32, accumulate: bool): void {
  const at = c + ((<usize>j) << 2);
  const scaled = sum * alpha;
  store<f32>(at, accumulate ? load<f32>(at) + scaled : scaled);
}

// Reference: packages/core/src/kernels/reference/grad-stats.ts — a gradient's sum of squares (one term of
// torch.nn.utils.clip_grad_norm_'s norm) and its count of NaN / ±Infinity (the trainer's guard). The input is cut
// into chunks of STAT_CHUNK elements whatever the thread count; each chunk's partial (float64) is written to
// partials[chunk], and the TypeScript side adds them in chunk order, so every thread count gives the same bits.
import { argI32, argPtr, at, shareStart } from './job-args';

/** Elements per partial: the TypeScript side sizes the partials from this export. */
export const STAT_CHUNK: i32 = 1 << 16;

/** Σ x² over x[i0 … i1), squares and sums in float64 (a float32 square is exact there) */
function sumSquaresRange(x: usize, i0: i32, i1: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const v = v128.load(at(x, i));
    const lo = f64x2.promote_low_f32x4(v);
    const hi = f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo));
    s1 = f64x2.add(s1, f64x2.mul(hi, hi));
  }
  const s = f64x2.add(s0, s1);
  let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < i1; i++) {
    const v = <f64>load<f32>(at(x, i));
    sum += v * v;
  }
  return sum;
}

/** how many of x[i0 … i1) are NaN or ±Infinity (every exponent bit set) */
function countNonFiniteRange(x: usize, i0: i32, i1: i32): f64 {
  const exponent = i32x4.splat(0x7f800000);
  let count4 = i32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const bad = i32x4.eq(v128.and(v128.load(at(x, i)), exponent), exponent); // −1 in each non-finite lane
    count4 = i32x4.sub(count4, bad);
  }
  let count =
    i32x4.extract_lane(count4, 0) +
    i32x4.extract_lane(count4, 1) +
    i32x4.extract_lane(count4, 2) +
    i32x4.extract_lane(count4, 3);
  for (; i < i1; i++) if ((load<i32>(at(x, i)) & 0x7f800000) === 0x7f800000) count++;
  return <f64>count;
}

/**
 * Job EW_SUM_SQUARES / EW_COUNT_NON_FINITE, chunks split across threads: partials[c] (f64) = the chunk's Σ x² or
 * non-finite count. Args: x, n, partials.
 */
export function gradStatThread(job: usize, tid: i32, nthreads: i32, isCount: bool): void {
  const x = argPtr(job, 0);
  const n = argI32(job, 1);
  const partials = argPtr(job, 2);
  const chunks = (n + STAT_CHUNK - 1) / STAT_CHUNK;
  const c1 = shareStart(chunks, tid + 1, nthreads);
  for (let c = shareStart(chunks, tid, nthreads); c < c1; c++) {
    const i0 = c * STAT_CHUNK;
    const i1 = min(n, i0 + STAT_CHUNK);
    const value = isCount ? countNonFiniteRange(x, i0, i1) : sumSquaresRange(x, i0, i1);
    store<f64>(partials + ((<usize>c) << 3), value);
  }
}

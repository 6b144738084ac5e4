// An elementwise job's arguments (words JOB_ARGS.. of the job header, written by src/elementwise-job.ts in the
// order each kernel documents) and the share of rows or elements each thread computes.
import { JOB_ARGS } from '../job';

export function argI32(job: usize, i: i32): i32 {
  return load<i32>(job + ((<usize>(JOB_ARGS + i)) << 2));
}

/** a byte address */
export function argPtr(job: usize, i: i32): usize {
  return <usize>load<u32>(job + ((<usize>(JOB_ARGS + i)) << 2));
}

export function argF32(job: usize, i: i32): f32 {
  return load<f32>(job + ((<usize>(JOB_ARGS + i)) << 2));
}

/** an f64 over words i and i + 1 (little-endian, unaligned loads are fine in wasm) */
export function argF64(job: usize, i: i32): f64 {
  return load<f64>(job + ((<usize>(JOB_ARGS + i)) << 2));
}

/** First of the `total` units that thread `tid` of `nthreads` owns (its run ends where tid + 1's starts). */
export function shareStart(total: i32, tid: i32, nthreads: i32): i32 {
  return <i32>((<i64>total * <i64>tid) / <i64>nthreads);
}

/**
 * Thread tid's elements [start, end) of n, cut at multiples of 4 so that each element is computed by the same
 * lane arithmetic whatever the thread count; returned as start | (end << 32)
 */
export function quadShare(n: i32, tid: i32, nthreads: i32): i64 {
  const quads = (n + 3) >> 2;
  const start = min(n, shareStart(quads, tid, nthreads) << 2);
  const end = min(n, shareStart(quads, tid + 1, nthreads) << 2);
  return <i64>start | ((<i64>end) << 32);
}

export function shareLo(share: i64): i32 {
  return <i32>share;
}

export function shareHi(share: i64): i32 {
  return <i32>(share >> 32);
}

/** byte address of element i of a 4-byte array */
export function at(base: usize, i: i32): usize {
  return base + ((<usize>i) << 2);
}

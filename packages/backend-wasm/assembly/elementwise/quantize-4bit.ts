// Reference: packages/core/src/kernels/reference/quantize-4bit.ts — bitsandbytes' quantize_4bit (default backend):
// each block's absmax, then every element's nearest code of v · f32(1/absmax) clamped to [-1, 1], two codes per byte
// (the first in the high nibble). The same float32 operations as the reference (a max of magnitudes, one division,
// one product), and the nearest code from the same bucket table (@lora/core nearestCodeBuckets) with the scan of the
// 16 codes where a bucket holds a boundary: exact. Threads own whole blocks (pairs of blocks when the block size is
// odd, so no byte is shared between threads): the result never depends on the thread count.
import { argI32, argPtr, at, shareStart } from './job-args';

/** Half the buckets over [-1, 1] of the nearest-code table (core's NEAREST_CODE_BUCKETS / 2); it has 4097 entries. */
const HALF_BUCKETS: i32 = 2048;

/** The index of the code nearest x: f32 |x − code[c]|, the first c on ties (torch.argmin). */
function scan(code: usize, x: f32): i32 {
  let best = 0;
  let bestDiff = f32.POSITIVE_INFINITY;
  for (let c = 0; c < 16; c++) {
    const diff = abs<f32>(x - load<f32>(at(code, c)));
    if (diff < bestDiff) {
      bestDiff = diff;
      best = c;
    }
  }
  return best;
}

/**
 * The code of x in [-1, 1] by its bucket ⌊2048·x⌋ + 2048 (exact in float32: a power-of-two scale, a floor, an integer
 * add; core computes ⌊(x + 1)·2048⌋ in float64, which can differ only within 2⁻⁴⁰ of a bucket edge, where both
 * buckets' answers hold: each is valid 2⁻²⁰ past its ends), or by the scan where the bucket holds a boundary.
 */
@inline
function codeOfScaled(code: usize, table: usize, x: f32, bucket: i32): i32 {
  const known = <i32>load<i8>(table + <usize>bucket);
  return known >= 0 ? known : scan(code, x);
}

/** The code of value · inv clamped to [-1, 1] (0 for NaN: an all-zero block's 0 · ∞). */
@inline
function codeOf(code: usize, table: usize, value: f32, inv: f32): i32 {
  let x = min<f32>(1, max<f32>(-1, value * inv));
  if (isNaN<f32>(x)) x = 0;
  return codeOfScaled(code, table, x, <i32>floor<f32>(x * <f32>HALF_BUCKETS) + HALF_BUCKETS);
}

/** The codes of elements i … i + 3 (i even) packed into two bytes at packed + i/2: f32x4 lanes up to the lookups. */
@inline
function quad(values: usize, code: usize, table: usize, packed: usize, i: i32, inv4: v128): void {
  let x = f32x4.min(f32x4.splat(1), f32x4.max(f32x4.splat(-1), f32x4.mul(v128.load(at(values, i)), inv4)));
  x = v128.and(x, f32x4.eq(x, x)); // NaN → +0
  const bucket = i32x4.add(
    i32x4.trunc_sat_f32x4_s(f32x4.floor(f32x4.mul(x, f32x4.splat(<f32>HALF_BUCKETS)))),
    i32x4.splat(HALF_BUCKETS),
  );
  const q0 = codeOfScaled(code, table, f32x4.extract_lane(x, 0), i32x4.extract_lane(bucket, 0));
  const q1 = codeOfScaled(code, table, f32x4.extract_lane(x, 1), i32x4.extract_lane(bucket, 1));
  const q2 = codeOfScaled(code, table, f32x4.extract_lane(x, 2), i32x4.extract_lane(bucket, 2));
  const q3 = codeOfScaled(code, table, f32x4.extract_lane(x, 3), i32x4.extract_lane(bucket, 3));
  store<u16>(packed + <usize>(i >> 1), <u16>((q0 << 4) | q1 | (((q2 << 4) | q3) << 8)));
}

/** max |v| over values[start, end), NaN if one is NaN (f32x4.max and f32.max propagate it) */
function blockMax(values: usize, start: i32, end: i32): f32 {
  let m4 = f32x4.splat(0);
  let i = start;
  for (; i + 4 <= end; i += 4) m4 = f32x4.max(m4, f32x4.abs(v128.load(at(values, i))));
  let m = max<f32>(
    max<f32>(f32x4.extract_lane(m4, 0), f32x4.extract_lane(m4, 1)),
    max<f32>(f32x4.extract_lane(m4, 2), f32x4.extract_lane(m4, 3)),
  );
  for (; i < end; i++) m = max<f32>(m, abs<f32>(load<f32>(at(values, i))));
  return m;
}

/**
 * Job EW_QUANTIZE_4BIT, whole blocks split across threads. Args: values, code (16 f32), table (NEAREST_CODE_BUCKETS
 * + 1 i8: a code index, or −1 to scan), blocksize, n, packed (⌈n / 2⌉ u8, written), absmax (⌈n / blocksize⌉, written).
 */
export function quantize4bitThread(job: usize, tid: i32, nthreads: i32): void {
  const values = argPtr(job, 0);
  const code = argPtr(job, 1);
  const table = argPtr(job, 2);
  const blocksize = argI32(job, 3);
  const n = argI32(job, 4);
  const packed = argPtr(job, 5);
  const absmax = argPtr(job, 6);
  const blocks = (n + blocksize - 1) / blocksize;
  const group = blocksize & 1 ? 2 : 1; // blocks per unit: an even number of elements, so bytes are not shared
  const units = (blocks + group - 1) / group;
  const b0 = min(blocks, shareStart(units, tid, nthreads) * group);
  const b1 = min(blocks, shareStart(units, tid + 1, nthreads) * group);
  let high = 0; // the pending code of an even element
  for (let b = b0; b < b1; b++) {
    const start = b * blocksize;
    const end = min(n, start + blocksize);
    const m = blockMax(values, start, end);
    store<f32>(at(absmax, b), m);
    const inv: f32 = <f32>1 / m;
    let i = start;
    if ((i & 1) === 0) {
      const inv4 = f32x4.splat(inv);
      for (; i + 4 <= end; i += 4) quad(values, code, table, packed, i, inv4);
    }
    for (; i < end; i++) {
      const q = codeOf(code, table, load<f32>(at(values, i)), inv);
      if (i & 1) store<u8>(packed + <usize>(i >> 1), <u8>((high << 4) | q));
      else high = q;
    }
  }
  // an odd tail is padded with 0.0 before packing, as bitsandbytes pads `scaled`
  if (b1 === blocks && b1 > b0 && n & 1) {
    store<u8>(packed + <usize>(n >> 1), <u8>((high << 4) | codeOf(code, table, 0, 1)));
  }
}

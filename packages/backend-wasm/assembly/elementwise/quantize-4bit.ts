// Reference: packages/core/src/kernels/reference/quantize-4bit.ts — bitsandbytes' quantize_4bit (default backend):
// each block's absmax, then every element's nearest code of v · f32(1/absmax) clamped to [-1, 1], two codes per byte
// (the first in the high nibble). The same float32 operations as the reference (a max of magnitudes, one division,
// one product), and the nearest code from the same bucket table (@lora/core nearestCodeBuckets) with the scan of the
// 16 codes where a bucket holds a boundary: exact. Threads own whole blocks (pairs of blocks when the block size is
// odd, so no byte is shared between threads): the result never depends on the thread count.
import { argI32, argPtr, at, shareStart } from './job-args';

/** Buckets over [-1, 1] of the nearest-code table (core's NEAREST_CODE_BUCKETS); the table has one more entry. */
const BUCKETS: f64 = 4096;

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

/** The code of value · inv clamped to [-1, 1] (0 for NaN: an all-zero block's 0 · ∞), by bucket or by scan. */
// @ts-expect-error: decorator
@inline
function codeOf(code: usize, table: usize, value: f32, inv: f32): i32 {
  let x = min<f32>(1, max<f32>(-1, value * inv));
  if (isNaN<f32>(x)) x = 0;
  const known = <i32>load<i8>(table + <usize>(<i32>floor<f64>((<f64>x + 1.0) * (BUCKETS / 2))));
  return known >= 0 ? known : scan(code, x);
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
    for (let i = start; i < end; i++) {
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

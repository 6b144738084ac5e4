// Reference: bitsandbytes gemv_4bit (kgemm_4bit_inference_naive): a decoding-shaped product reads the 4-bit codes
// and block scales where they lie (no panel packing) and looks the codes up in registers.
//
// out (M, N) = x (M, K) · Wᵀ for M ≤ NF4_DOT_MAX_ROWS, W (N, K) flat as pack-nf4.ts describes it (element e: byte
// e >> 1, high nibble when e is even; scale absmax[e / blocksize]). A row of W goes in units of 16 elements (8 code
// bytes): the high and low nibbles, interleaved back into element order, index the 16-entry code table with
// i8x16.swizzle once per byte plane of the f32 codes, and two rounds of byte / 16-bit interleaves put each code's four
// bytes back together: 16 weights, multiplied by the block scale (code · absmax rounded to f32, as every path has it).
//
// Order of the sums: unit u's four vectors go into accumulators 0-3, which fold ((a0 + a1) + (a2 + a3)), then the
// lanes (0 + 1) + (2 + 3); the lone first element of a row that starts on a low nibble (K odd) and the last
// (K − head) mod 16 elements are added after, in column order. One row of x with units that never straddle two blocks
// (blocksize and the row's start multiples of 16: every real checkpoint) keeps the weights in registers; otherwise
// each row of W is dequantized once into the thread's scratch and read by every row of x, in the same order. So a row
// of x gives the same bits alone or with others, and (every output summed by one thread) on 1 or 2 threads.
import {
  JOB_ACCUMULATE,
  JOB_ALPHA,
  JOB_ALWAYS_PACK,
  JOB_B_AUX0,
  JOB_B_AUX1,
  JOB_B_AUX2,
  JOB_B_PACKER,
  JOB_B_PTR,
  JOB_B_RS,
  JOB_C_LD,
  JOB_C_PTR,
  JOB_K,
  JOB_M,
  JOB_SCRATCH_STRIDE,
  f32At,
  jobF32,
  jobI32,
} from './job';
import { aAt } from './pack-a';
import { PACK_B_NF4 } from './pack-b';
import { madd } from './microkernel';
import { blockScale } from './nf4-scales';

/** Most rows of x the fused path takes: decoding (one token per sequence, a few sequences at once). */
export const NF4_DOT_MAX_ROWS: i32 = 8;
const UNIT: i32 = 16;
/** the four byte planes of the code table, at the start of the thread's scratch */
const PLANES_BYTES: usize = 64;

/** A forward NF4 product of at most NF4_DOT_MAX_ROWS rows whose staged row fits the thread's scratch. */
export function nf4DotEligible(job: usize): bool {
  if (jobI32(job, JOB_B_PACKER) !== PACK_B_NF4 || jobI32(job, JOB_B_RS) !== 1) return false; // forward only
  if (jobI32(job, JOB_ALWAYS_PACK) !== 0) return false; // the packed path, kept for tests and tuning
  if (jobI32(job, JOB_M) > NF4_DOT_MAX_ROWS) return false;
  return PLANES_BYTES + ((<usize>jobI32(job, JOB_K)) << 2) <= <usize>jobI32(job, JOB_SCRATCH_STRIDE);
}

/** out[i0:i1, j0:j1] of the job (one matrix): output j is row j of W dotted with each row of x. */
export function nf4DotBlock(job: usize, i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize): void {
  const k = jobI32(job, JOB_K);
  const rows = i1 - i0;
  const packed = <usize>jobI32(job, JOB_B_PTR);
  const scales = <usize>jobI32(job, JOB_B_AUX0); // f32 absmax or the nested form (nf4-scales.ts)
  const blocksize = jobI32(job, JOB_B_AUX1);
  const code = <usize>jobI32(job, JOB_B_AUX2);
  const alpha = jobF32(job, JOB_ALPHA);
  const accumulate = jobI32(job, JOB_ACCUMULATE) !== 0;
  const ldc = jobI32(job, JOB_C_LD);
  const cBase = <usize>jobI32(job, JOB_C_PTR);
  const planes = scratch;
  const staged = scratch + PLANES_BYTES; // (K) one dequantized row of W
  buildPlanes(code, planes);
  const p0 = v128.load(planes);
  const p1 = v128.load(planes, 16);
  const p2 = v128.load(planes, 32);
  const p3 = v128.load(planes, 48);
  for (let j = j0; j < j1; j++) {
    const rowStart = j * k; // flat index of W(j, 0)
    const head = rowStart & 1; // 1: the row starts on a low nibble, column 0 is a lone element
    const units = (k - head) / UNIT;
    const tail = head + units * UNIT; // first column after the units
    const e0 = rowStart + head;
    const inRegisters = rows === 1 && blocksize % UNIT === 0 && e0 % UNIT === 0;
    if (!inRegisters) stageRow(packed, scales, code, blocksize, e0, units, staged, p0, p1, p2, p3);
    for (let i = 0; i < rows; i++) {
      const x = aAt(job, 0, i0 + i, 0);
      const xUnits = x + ((<usize>head) << 2);
      let sum = inRegisters
        ? dotInRegisters(packed, scales, blocksize, e0, units, xUnits, p0, p1, p2, p3)
        : dotStaged(staged, xUnits, units);
      if (head !== 0) sum += load<f32>(x) * weightAt(packed, scales, code, blocksize, rowStart);
      for (let c = tail; c < k; c++) {
        sum += load<f32>(x + ((<usize>c) << 2)) * weightAt(packed, scales, code, blocksize, rowStart + c);
      }
      const at = f32At(cBase, <usize>(i0 + i) * <usize>ldc + <usize>j);
      const scaled = sum * alpha;
      store<f32>(at, accumulate ? load<f32>(at) + scaled : scaled);
    }
  }
}

/** byte b of code[t] at planes + 16·b + t: the tables i8x16.swizzle reads */
function buildPlanes(code: usize, planes: usize): void {
  for (let t: usize = 0; t < 16; t++) {
    const bits = load<u32>(code + (t << 2));
    for (let b: usize = 0; b < 4; b++) store<u8>(planes + (b << 4) + t, <u8>(bits >> (<u32>b << 3)));
  }
}

/** W's element e dequantized: code[nibble] · absmax[e / blocksize] in f32 */
@inline
function weightAt(packed: usize, scales: usize, code: usize, blocksize: i32, e: i32): f32 {
  const byte = <u32>load<u8>(packed + <usize>(e >> 1));
  const nibble = (e & 1) === 0 ? byte >> 4 : byte & 15;
  return load<f32>(code + ((<usize>nibble) << 2)) * blockScale(scales, e / blocksize);
}

/** the code indices of the 16 elements whose 8 bytes start at src, in element order (high nibble first) */
@inline
function unitCodes(src: usize): v128 {
  const bytes = v128.load64_zero(src);
  const high = v128.and(i16x8.shr_u(bytes, 4), i8x16.splat(15));
  return i8x16.shuffle(high, v128.and(bytes, i8x16.splat(15)), 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}

/** byte b of code[index] for 16 indices (relaxed swizzle where built: every index is below 16) */
@inline
function lookup(plane: v128, index: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i8x16.relaxed_swizzle(plane, index);
  return i8x16.swizzle(plane, index);
}

// Byte and 16-bit interleaves (V8 emits punpck{l,h}{bw,wd} for these patterns).
@inline
function zipBytesLo(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
@inline
function zipBytesHi(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}
@inline
function zipPairsLo(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
}
@inline
function zipPairsHi(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}

/**
 * Σ over `units` units of W from flat element e0 (a multiple of 16, as is blocksize) times x, the weights never
 * leaving registers.
 */
function dotInRegisters(
  packed: usize,
  scales: usize,
  blocksize: i32,
  e0: i32,
  units: i32,
  x: usize,
  p0: v128,
  p1: v128,
  p2: v128,
  p3: v128,
): f32 {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let src = packed + <usize>(e0 >> 1);
  let e = e0;
  let blockEnd = 0;
  let scale = f32x4.splat(0);
  for (let u = 0; u < units; u++) {
    if (e >= blockEnd) {
      const block = e / blocksize;
      blockEnd = (block + 1) * blocksize;
      scale = f32x4.splat(blockScale(scales, block));
    }
    const index = unitCodes(src);
    const s0 = lookup(p0, index);
    const s1 = lookup(p1, index);
    const lo01 = zipBytesLo(s0, s1);
    const hi01 = zipBytesHi(s0, s1);
    const s2 = lookup(p2, index);
    const s3 = lookup(p3, index);
    const lo23 = zipBytesLo(s2, s3);
    const hi23 = zipBytesHi(s2, s3);
    a0 = madd(f32x4.mul(zipPairsLo(lo01, lo23), scale), v128.load(x), a0);
    a1 = madd(f32x4.mul(zipPairsHi(lo01, lo23), scale), v128.load(x, 16), a1);
    a2 = madd(f32x4.mul(zipPairsLo(hi01, hi23), scale), v128.load(x, 32), a2);
    a3 = madd(f32x4.mul(zipPairsHi(hi01, hi23), scale), v128.load(x, 48), a3);
    src += 8;
    x += 64;
    e += UNIT;
  }
  return foldLanes(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
}

/**
 * Dequantize `units` units of W from flat element e0 (on a high nibble) into dst in element order: a unit inside one
 * block by lookup, one that straddles two (or more) blocks one element at a time.
 */
function stageRow(
  packed: usize,
  scales: usize,
  code: usize,
  blocksize: i32,
  e0: i32,
  units: i32,
  dst: usize,
  p0: v128,
  p1: v128,
  p2: v128,
  p3: v128,
): void {
  let src = packed + <usize>(e0 >> 1);
  let e = e0;
  for (let u = 0; u < units; u++) {
    const block = e / blocksize;
    if ((e + UNIT - 1) / blocksize === block) {
      const scale = f32x4.splat(blockScale(scales, block));
      const index = unitCodes(src);
      const s0 = lookup(p0, index);
      const s1 = lookup(p1, index);
      const lo01 = zipBytesLo(s0, s1);
      const hi01 = zipBytesHi(s0, s1);
      const s2 = lookup(p2, index);
      const s3 = lookup(p3, index);
      const lo23 = zipBytesLo(s2, s3);
      const hi23 = zipBytesHi(s2, s3);
      v128.store(dst, f32x4.mul(zipPairsLo(lo01, lo23), scale));
      v128.store(dst, f32x4.mul(zipPairsHi(lo01, lo23), scale), 16);
      v128.store(dst, f32x4.mul(zipPairsLo(hi01, hi23), scale), 32);
      v128.store(dst, f32x4.mul(zipPairsHi(hi01, hi23), scale), 48);
    } else {
      for (let t = 0; t < UNIT; t++) {
        store<f32>(dst + ((<usize>t) << 2), weightAt(packed, scales, code, blocksize, e + t));
      }
    }
    src += 8;
    dst += 64;
    e += UNIT;
  }
}

/** Σ over `units` units of staged weights times x, summed as dotInRegisters sums */
function dotStaged(w: usize, x: usize, units: i32): f32 {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  for (let u = 0; u < units; u++) {
    a0 = madd(v128.load(w), v128.load(x), a0);
    a1 = madd(v128.load(w, 16), v128.load(x, 16), a1);
    a2 = madd(v128.load(w, 32), v128.load(x, 32), a2);
    a3 = madd(v128.load(w, 48), v128.load(x, 48), a3);
    w += 64;
    x += 64;
  }
  return foldLanes(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
}

@inline
function foldLanes(s: v128): f32 {
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
}

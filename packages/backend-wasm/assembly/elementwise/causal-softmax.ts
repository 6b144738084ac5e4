// Reference: packages/core/src/kernels/reference/causal-softmax.ts — transformers' eager attention softmax: scores
// with the causal and padding masks as −∞, then torch.softmax, and the rows of padded queries zeroed (as sdpa's
// memory-efficient kernels leave them). One pass per row instead of mask, softmax, zero: the keys after the query
// are never read, only zeroed; float32 lanes with float64 partial sums as softmax.ts.
import { argI32, argPtr, at } from './job-args';
import { addWide, BLOCK_VECTORS, hsum64, sexp, vexp } from './math';
import { rowMax, sumExp } from './softmax';

/** Rows are dealt to the threads round-robin in groups of this many (see causalSoftmaxThread). */
export const CAUSAL_ROW_GROUP: i32 = 8;

/** lanes of the key mask at keys j … j + 3: all ones where the key is real (≠ 0) */
function realLanes(mask: usize, j: i32): v128 {
  return i32x4.ne(v128.load(at(mask, j)), i32x4.splat(0));
}

/** the largest of the n scores at p whose key is real (NaN if one is NaN, −Infinity if none is real) */
function maskedMax(p: usize, mask: usize, n: i32): f32 {
  const vecEnd = n & ~3;
  const minus = f32x4.splat(-Infinity);
  let m4 = minus;
  for (let j = 0; j < vecEnd; j += 4)
    m4 = f32x4.max(m4, v128.bitselect(v128.load(at(p, j)), minus, realLanes(mask, j)));
  let m = max(
    max(f32x4.extract_lane(m4, 0), f32x4.extract_lane(m4, 1)),
    max(f32x4.extract_lane(m4, 2), f32x4.extract_lane(m4, 3)),
  );
  for (let j = vecEnd; j < n; j++) if (load<i32>(at(mask, j)) !== 0) m = max(m, load<f32>(at(p, j)));
  return m;
}

/** Σ exp(x − shift) over the n scores at p whose key is real; dst[j] = that exp, or +0 for a padded key */
function maskedSumExp(p: usize, mask: usize, n: i32, shift: f32, dst: usize): f64 {
  const vecEnd = n & ~3;
  const s4 = f32x4.splat(shift);
  let acc64 = f64x2.splat(0);
  for (let j0 = 0; j0 < vecEnd; j0 += BLOCK_VECTORS * 4) {
    const j1 = min(vecEnd, j0 + BLOCK_VECTORS * 4);
    let acc = f32x4.splat(0);
    for (let j = j0; j < j1; j += 4) {
      // a padded key's score may be anything (NaN, Inf): its exp is masked to +0, bits and all
      const e = v128.and(vexp(f32x4.sub(v128.load(at(p, j)), s4)), realLanes(mask, j));
      v128.store(at(dst, j), e);
      acc = f32x4.add(acc, e);
    }
    acc64 = addWide(acc64, acc);
  }
  let sum = hsum64(acc64);
  for (let j = vecEnd; j < n; j++) {
    const e: f32 = load<i32>(at(mask, j)) !== 0 ? sexp(load<f32>(at(p, j)) - shift) : 0;
    store<f32>(at(dst, j), e);
    sum += <f64>e;
  }
  return sum;
}

/** dst[j] ·= inv for j < n; with a mask, padded keys stay exactly +0 even when inv is NaN */
function scaleRow(dst: usize, mask: usize, n: i32, inv: f32): void {
  const vecEnd = n & ~3;
  const inv4 = f32x4.splat(inv);
  // biome-ignore lint/suspicious/noSelfCompare: NaN test (AssemblyScript has no isNaN for f32 here)
  if (mask && inv !== inv) {
    for (let j = 0; j < vecEnd; j += 4)
      v128.store(at(dst, j), v128.and(f32x4.mul(v128.load(at(dst, j)), inv4), realLanes(mask, j)));
    for (let j = vecEnd; j < n; j++)
      store<f32>(at(dst, j), load<i32>(at(mask, j)) !== 0 ? load<f32>(at(dst, j)) * inv : 0);
    return;
  }
  // inv is finite (the sum holds exp(0) = 1) or NaN without a mask: 0 · inv is +0
  for (let j = 0; j < vecEnd; j += 4) v128.store(at(dst, j), f32x4.mul(v128.load(at(dst, j)), inv4));
  for (let j = vecEnd; j < n; j++) store<f32>(at(dst, j), load<f32>(at(dst, j)) * inv);
}

/**
 * Job EW_CAUSAL_SOFTMAX over rows (blocks, heads, queries) of `keys` scores: query i sees keys j ≤ queryStart + i
 * that the block's key mask keeps (keyMask[maskOffsets[b] + j] ≠ 0); a padded query gets a row of zeros. Rows are
 * dealt round-robin in groups of CAUSAL_ROW_GROUP, so the threads share the short and long rows of the causal triangle
 * alike; each row is computed by one thread in the same order whatever the count. out may alias x.
 * Args: x, out, blocks, heads, queries, keys, queryStart, keyMask (i32, 0 = none), maskOffsets (i32, 0 = none).
 */
export function causalSoftmaxThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const out = argPtr(job, 1);
  const heads = argI32(job, 3);
  const queries = argI32(job, 4);
  const keys = argI32(job, 5);
  const queryStart = argI32(job, 6);
  const keyMask = argPtr(job, 7);
  const maskOffsets = argPtr(job, 8);
  const rows = argI32(job, 2) * heads * queries;
  for (let g = tid * CAUSAL_ROW_GROUP; g < rows; g += nthreads * CAUSAL_ROW_GROUP) {
    const gEnd = min(rows, g + CAUSAL_ROW_GROUP);
    for (let r = g; r < gEnd; r++) {
      const xr = at(x, r * keys);
      const or = at(out, r * keys);
      const last = queryStart + (r % queries); // the query's own position: it sees keys 0 … last
      const seen = last + 1;
      let mask: usize = 0;
      if (keyMask) mask = at(keyMask, load<i32>(at(maskOffsets, r / (heads * queries))));
      if (mask && load<i32>(at(mask, last)) === 0) {
        memory.fill(or, 0, (<usize>keys) << 2); // a padded query
        continue;
      }
      if (mask) {
        const m = maskedMax(xr, mask, seen);
        scaleRow(or, mask, seen, <f32>(1 / maskedSumExp(xr, mask, seen, m, or)));
      } else {
        const m = rowMax(xr, seen, -Infinity);
        scaleRow(or, 0, seen, <f32>(1 / sumExp(xr, seen, m, or)));
      }
      if (seen < keys) memory.fill(at(or, seen), 0, (<usize>(keys - seen)) << 2); // the future keys
    }
  }
}

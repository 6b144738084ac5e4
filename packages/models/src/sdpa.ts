// Causal scaled dot-product attention with a padding mask, grouped KV heads and packed sequences
// (transformers eager_attention_forward with repeat_kv; torch scaled_dot_product_attention; flash-attention varlen's
// per-sequence blocks), forward and backward.
import { kernel } from '@lora/core';
import { alloc } from './buffers.js';
import { type Segment, type SegmentRun, segmentRuns } from './segments.js';
import { buffer, type Workspace } from './workspace.js';

export interface SdpaShape {
  /**
   * The causal sequences, tiling rows 0 … N − 1 in order: one per batch row, or one per packed example. Each attends
   * only to itself, so scores exist only inside each segment's (L, L) block.
   */
  segments: readonly Segment[];
  /** query heads H; a multiple of kvHeads */
  heads: number;
  kvHeads: number;
  headDim: number;
  scale: number;
  /** (N) 1 = real token, 0 = padding; undefined = no padding */
  mask: Uint8Array | undefined;
}

export interface SdpaCache {
  /** each segment's (H, L, D) block, in row order (one segment per row: (B, H, T, D)) */
  q: Float32Array;
  /** each segment's (Hkv, L, D) block */
  k: Float32Array;
  /** each segment's (Hkv, L, D) block */
  v: Float32Array;
  /** each segment's (H, L, L) attention probabilities; rows of padded queries are all zero */
  p: Float32Array;
}

/**
 * Applies the causal + padding mask to a block of scores (rows = heads × queries, cols = keys) in place: keys after
 * the query or padded get −∞; a padded query's row is zeroed (and flagged) so softmax stays finite.
 */
function maskScores(
  s: Float32Array,
  offset: number,
  groupHeads: number,
  queries: number,
  keys: number,
  queryStart: number,
  keyMask: (j: number) => boolean,
): void {
  for (let h = 0; h < groupHeads; h++) {
    for (let i = 0; i < queries; i++) {
      const row = offset + (h * queries + i) * keys;
      const abs = queryStart + i; // absolute position of the query among the keys
      if (!keyMask(abs)) {
        s.fill(0, row, row + keys);
        continue;
      }
      for (let j = 0; j < keys; j++) if (j > abs || !keyMask(j)) s[row + j] = Number.NEGATIVE_INFINITY;
    }
  }
}

/** Zeroes the probability rows of padded queries (their softmax over a row of zeros is meaningless). */
function zeroPaddedQueries(
  p: Float32Array,
  offset: number,
  groupHeads: number,
  queries: number,
  keys: number,
  queryStart: number,
  keyMask: (j: number) => boolean,
): void {
  for (let h = 0; h < groupHeads; h++) {
    for (let i = 0; i < queries; i++) {
      if (!keyMask(queryStart + i))
        p.fill(0, offset + (h * queries + i) * keys, offset + (h * queries + i + 1) * keys);
    }
  }
}

/** The views of one run of equal-length segments: q and per-head (·, D) blocks, and its (count·H, L, L) scores. */
function runViews(run: SegmentRun, shape: SdpaShape) {
  const { heads: H, kvHeads, headDim: D } = shape;
  const { row, count, length: L, scoreOffset } = run;
  const q = [row * H * D, (row + count * L) * H * D] as const; // (count, H, L, D)
  const kv = [row * kvHeads * D, (row + count * L) * kvHeads * D] as const; // (count, Hkv, L, D)
  const s = [scoreOffset, scoreOffset + count * H * L * L] as const; // (count, H, L, L)
  return { q, kv, s, nb: count * kvHeads, L };
}

/**
 * out = softmax(mask(scale · q·kᵀ)) · v per segment, with the query heads of one KV head taken as one (g·L, D) matrix
 * and each run of equal-length segments (every row, without packing) in one batched call. q, out: each segment's
 * (H, L, D) block; k, v: (Hkv, L, D). With a workspace, the probabilities live in its buffer "p" and the scores and
 * `out` in transient buffers.
 */
export function sdpaForward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  shape: SdpaShape,
  ws?: Workspace,
): { out: Float32Array; cache: SdpaCache } {
  const { segments, heads, kvHeads, headDim: D, scale, mask } = shape;
  const g = heads / kvHeads;
  const { runs, scoreSize } = segmentRuns(segments, heads);
  const temp = ws?.temp.scope('sdpa');
  const scores = buffer(temp, 'scores', q, scoreSize); // per segment (H, L, L) = (Hkv, g·L, L)
  const p = buffer(ws, 'p', q, scoreSize); // per segment (H, L, L)
  const out = buffer(temp, 'out', q, q.length); // per segment (H, L, D)
  const bmm = kernel('batchedMatmul');
  let first = 0; // index of the run's first segment
  for (const run of runs) {
    const r = runViews(run, shape);
    const L = r.L;
    const sv = scores.subarray(...r.s);
    const pv = p.subarray(...r.s);
    bmm({
      a: q.subarray(...r.q),
      b: k.subarray(...r.kv),
      out: sv,
      batch: r.nb,
      m: g * L,
      n: L,
      k: D,
      transB: true,
      alpha: scale,
    });
    for (let i = 0; i < run.count; i++) {
      const start = segments[first + i]!.start;
      const keyMask = mask ? (j: number) => mask[start + j] !== 0 : () => true;
      for (let kh = 0; kh < kvHeads; kh++)
        maskScores(sv, (i * kvHeads + kh) * g * L * L, g, L, L, 0, keyMask);
    }
    kernel('softmax')({ x: sv, out: pv, rows: run.count * heads * L, cols: L });
    if (mask) {
      for (let i = 0; i < run.count; i++) {
        const start = segments[first + i]!.start;
        const keyMask = (j: number) => mask[start + j] !== 0;
        for (let kh = 0; kh < kvHeads; kh++)
          zeroPaddedQueries(pv, (i * kvHeads + kh) * g * L * L, g, L, L, 0, keyMask);
      }
    }
    bmm({ a: pv, b: v.subarray(...r.kv), out: out.subarray(...r.q), batch: r.nb, m: g * L, n: D, k: L });
    first += run.count;
  }
  return { out, cache: { q, k, v, p } };
}

/**
 * dq (each segment's (H, L, D)), dk and dv ((Hkv, L, D)) from dout (H, L, D), per run of equal-length segments;
 * with a workspace, all in transient buffers.
 */
export function sdpaBackward(
  dout: Float32Array,
  cache: SdpaCache,
  shape: SdpaShape,
  ws?: Workspace,
): { dq: Float32Array; dk: Float32Array; dv: Float32Array } {
  const { segments, heads, kvHeads, headDim: D, scale } = shape;
  const { q, k, v, p } = cache;
  const g = heads / kvHeads;
  const { runs, scoreSize } = segmentRuns(segments, heads);
  const bmm = kernel('batchedMatmul');
  const temp = ws?.temp.scope('sdpa');
  const dp = buffer(temp, 'dp', dout, scoreSize); // per segment (Hkv, g·L, L)
  const ds = buffer(temp, 'ds', dout, scoreSize); // per segment (Hkv, g·L, L); masked entries have p = 0, so ds = 0
  const dq = buffer(temp, 'dq', dout, q.length); // per segment (Hkv, g·L, D) = scale · ds · k
  const dk = buffer(temp, 'dk', dout, k.length); // per segment (Hkv, L, D) = scale · dsᵀ · q
  const dv = buffer(temp, 'dv', dout, v.length); // per segment (Hkv, L, D) = pᵀ · dout
  for (const run of runs) {
    const r = runViews(run, shape);
    const [L, nb] = [r.L, r.nb];
    const [doutv, qv, pv, dpv, dsv] = [
      dout.subarray(...r.q),
      q.subarray(...r.q),
      p.subarray(...r.s),
      dp.subarray(...r.s),
      ds.subarray(...r.s),
    ];
    const [kv, vv] = [k.subarray(...r.kv), v.subarray(...r.kv)];
    bmm({ a: doutv, b: vv, out: dpv, batch: nb, m: g * L, n: L, k: D, transB: true });
    bmm({ a: pv, b: doutv, out: dv.subarray(...r.kv), batch: nb, m: L, n: D, k: g * L, transA: true });
    kernel('softmaxBackward')({ y: pv, dy: dpv, dx: dsv, rows: run.count * heads * L, cols: L });
    bmm({ a: dsv, b: kv, out: dq.subarray(...r.q), batch: nb, m: g * L, n: D, k: L, alpha: scale });
    bmm({
      a: dsv,
      b: qv,
      out: dk.subarray(...r.kv),
      batch: nb,
      m: L,
      n: D,
      k: g * L,
      transA: true,
      alpha: scale,
    });
  }
  return { dq, dk, dv };
}

export interface SdpaIncrementalShape {
  batch: number;
  /** new queries per row */
  queries: number;
  /** tokens already in the cache before these queries */
  start: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  scale: number;
  /** capacity of the cache along its token dim */
  capacity: number;
  /** (B, capacity) 1 = real token */
  mask: Uint8Array;
}

/**
 * Attention of `queries` new tokens per row over the cache's keys 0 … start + queries − 1.
 * q (B, H, n, D); kCache, vCache (B, Hkv, capacity, D) already holding the new keys. Returns (B, H, n, D).
 */
export function sdpaIncremental(
  q: Float32Array,
  kCache: Float32Array,
  vCache: Float32Array,
  shape: SdpaIncrementalShape,
): Float32Array {
  const { batch, queries: n, start, heads, kvHeads, headDim: D, scale, capacity, mask } = shape;
  const g = heads / kvHeads;
  const keys = start + n;
  const matmul = kernel('matmul');
  const out = alloc(q, batch * heads * n * D); // (B, H, n, D)
  const s = alloc(q, g * n * keys); // (g·n, L) scores
  const pr = alloc(q, g * n * keys); // (g·n, L) probabilities
  for (let b = 0; b < batch; b++) {
    const keyMask = (j: number) => mask[b * capacity + j] !== 0;
    for (let kh = 0; kh < kvHeads; kh++) {
      const qOff = (b * heads + kh * g) * n * D;
      const kvOff = (b * kvHeads + kh) * capacity * D;
      const qg = q.subarray(qOff, qOff + g * n * D); // (g·n, D)
      matmul({
        a: qg,
        b: kCache.subarray(kvOff, kvOff + keys * D),
        out: s,
        m: g * n,
        n: keys,
        k: D,
        transB: true,
        alpha: scale,
      });
      maskScores(s, 0, g, n, keys, start, keyMask);
      kernel('softmax')({ x: s, out: pr, rows: g * n, cols: keys });
      zeroPaddedQueries(pr, 0, g, n, keys, start, keyMask);
      matmul({
        a: pr,
        b: vCache.subarray(kvOff, kvOff + keys * D),
        out: out.subarray(qOff, qOff + g * n * D),
        m: g * n,
        n: D,
        k: keys,
      });
    }
  }
  return out;
}

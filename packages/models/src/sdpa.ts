// Causal scaled dot-product attention with a padding mask, grouped KV heads and packed sequences
// (transformers eager_attention_forward with repeat_kv; torch scaled_dot_product_attention; flash-attention varlen's
// per-sequence blocks), forward and backward.
import { allocLike, type F32, type I32, kernel } from '@lora/core';
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
  /** (N) 1 = real token, 0 = padding, in the model's memory; undefined = no padding */
  keyMask: I32 | undefined;
  /** (S) each segment's first row, in the model's memory (where its keys start in keyMask) */
  segmentStarts: I32;
  /** sliding window: the query at index i of a segment sees keys i − window < j ≤ i; undefined = all j ≤ i */
  window?: number;
  /** tanh soft-capping of the scaled scores before the masks (Gemma 2's attn_logit_softcapping); undefined = none */
  softcap?: number;
}

export interface SdpaCache {
  /** each segment's (H, L, D) block, in row order (one segment per row: (B, H, T, D)) */
  q: F32;
  /** each segment's (Hkv, L, D) block */
  k: F32;
  /** each segment's (Hkv, L, D) block */
  v: F32;
  /** each segment's (H, L, L) attention probabilities; rows of padded queries are all zero */
  p: F32;
}

/** What a masked score gets before the softmax: exp of it is exactly 0, as with transformers' finfo.min. */
const MASKED = -1e30;

/**
 * Fills `bias` (queries, keys) with the additive sliding-window mask (transformers masking_utils
 * sliding_window_overlay: a key is kept when kv_idx > q_idx − window): MASKED where key j ≤ queryStart + i − window,
 * 0 elsewhere; the causal and padding masks are causalSoftmax's. One fill kernel per row that loses keys.
 */
export function fillWindowBias(
  bias: F32,
  queries: number,
  keys: number,
  queryStart: number,
  window: number,
): F32 {
  const fill = kernel('fill');
  fill({ x: bias, n: queries * keys, value: 0 });
  for (let i = 0; i < queries; i++) {
    const masked = Math.min(keys, queryStart + i - window + 1); // keys 0 … queryStart + i − window
    if (masked > 0) fill({ x: bias.subarray(i * keys), n: masked, value: MASKED });
  }
  return bias;
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
  q: F32,
  k: F32,
  v: F32,
  shape: SdpaShape,
  ws?: Workspace,
): { out: F32; cache: SdpaCache } {
  const { segments, heads, kvHeads, headDim: D, scale, keyMask, segmentStarts, window, softcap } = shape;
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
    if (softcap !== undefined)
      kernel('softcap')({ x: sv, out: sv, n: run.count * heads * L * L, cap: softcap });
    if (window !== undefined && L > window) {
      // keys that left the window: the same (L, L) mask for every segment and head, made once per length
      const fillBias = (b: F32) => fillWindowBias(b, L, L, 0, window); // (L, L)
      const key = `window-bias/${L}/${window}`;
      const bias = ws ? ws.constant(key, q, L * L, fillBias) : fillBias(allocLike(q, L * L));
      kernel('addBias')({ x: sv, bias, rows: run.count * heads, cols: L * L }); // (count·H, L·L)
    }
    // (count, Hkv, g·L, L) = (count, H, L, L): causal within each segment, padded keys and queries masked
    kernel('causalSoftmax')({
      x: sv,
      out: pv,
      blocks: run.count,
      heads,
      queries: L,
      keys: L,
      queryStart: 0,
      ...(keyMask ? { keyMask, maskOffsets: segmentStarts.subarray(first, first + run.count) } : {}),
    });
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
  dout: F32,
  cache: SdpaCache,
  shape: SdpaShape,
  ws?: Workspace,
): { dq: F32; dk: F32; dv: F32 } {
  const { segments, heads, kvHeads, headDim: D, scale, softcap } = shape;
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
    if (softcap !== undefined) {
      // through the soft-cap: the capped scores recomputed (cheaper than keeping them) into dp, read no more
      const n = run.count * heads * L * L;
      bmm({ a: qv, b: kv, out: dpv, batch: nb, m: g * L, n: L, k: D, transB: true, alpha: scale });
      kernel('softcap')({ x: dpv, out: dpv, n, cap: softcap });
      kernel('softcapBackward')({ y: dpv, dy: dsv, dx: dsv, n, cap: softcap });
    }
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
  /** (B, capacity) 1 = real token, in the model's memory */
  keyMask: I32;
  /** (B) b · capacity: where each row's mask starts */
  maskOffsets: I32;
  /** sliding window, as SdpaShape's: the query at cache index start + i sees keys start + i − window < j */
  window?: number;
  /** tanh soft-capping of the scores, as SdpaShape's */
  softcap?: number;
}

/**
 * Attention of `queries` new tokens per row over the cache's keys 0 … start + queries − 1.
 * q (B, H, n, D); kCache, vCache (B, Hkv, capacity, D) already holding the new keys. Returns (B, H, n, D).
 */
export function sdpaIncremental(
  q: F32,
  kCache: F32,
  vCache: F32,
  shape: SdpaIncrementalShape,
  ws?: Workspace,
): F32 {
  const {
    batch,
    queries: n,
    start,
    heads,
    kvHeads,
    headDim: D,
    scale,
    capacity,
    keyMask,
    maskOffsets,
    window,
    softcap,
  } = shape;
  const g = heads / kvHeads;
  const keys = start + n;
  let bias: F32 | undefined; // (n, keys) sliding-window mask, once some key has left the window
  if (window !== undefined && keys > window) {
    bias = fillWindowBias(buffer(ws, 'window-bias', q, n * keys), n, keys, start, window); // (n, keys)
  }
  const matmul = kernel('matmul');
  const temp = ws?.temp.scope('sdpa-incremental');
  const out = buffer(ws, 'out', q, batch * heads * n * D); // (B, H, n, D)
  const s = buffer(temp, 'scores', q, g * n * keys); // (g·n, L) scores
  const pr = buffer(temp, 'probabilities', q, g * n * keys); // (g·n, L) probabilities
  for (let b = 0; b < batch; b++) {
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
      if (softcap !== undefined) kernel('softcap')({ x: s, out: s, n: g * n * keys, cap: softcap });
      if (bias) kernel('addBias')({ x: s, bias, rows: g, cols: n * keys }); // (g, n·keys)
      kernel('causalSoftmax')({
        x: s,
        out: pr,
        blocks: 1,
        heads: g,
        queries: n,
        keys,
        queryStart: start,
        keyMask,
        maskOffsets: maskOffsets.subarray(b, b + 1),
      });
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

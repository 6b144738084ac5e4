// Causal scaled dot-product attention with a padding mask and grouped KV heads
// (transformers eager_attention_forward with repeat_kv; torch scaled_dot_product_attention), forward and backward.
import { kernel } from '@lora/core';
import { alloc } from './buffers.js';
import { buffer, type Workspace } from './workspace.js';

export interface SdpaShape {
  batch: number;
  seqLen: number;
  /** query heads H; a multiple of kvHeads */
  heads: number;
  kvHeads: number;
  headDim: number;
  scale: number;
  /** (B, T) 1 = real token, 0 = padding; undefined = no padding */
  mask: Uint8Array | undefined;
}

export interface SdpaCache {
  /** (B, H, T, D) */
  q: Float32Array;
  /** (B, Hkv, T, D) */
  k: Float32Array;
  /** (B, Hkv, T, D) */
  v: Float32Array;
  /** (B, H, T, T) attention probabilities; rows of padded queries are all zero */
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

/**
 * out (B, H, T, D) = softmax(mask(scale · q·kᵀ)) · v, with the query heads of one KV head taken as one (g·T, D) matrix.
 * With a workspace, the probabilities live in its buffer "p" and the scores and `out` in transient buffers.
 */
export function sdpaForward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  shape: SdpaShape,
  ws?: Workspace,
): { out: Float32Array; cache: SdpaCache } {
  const { batch, seqLen: T, heads, kvHeads, headDim: D, scale, mask } = shape;
  const g = heads / kvHeads;
  const temp = ws?.temp.scope('sdpa');
  const scores = buffer(temp, 'scores', q, batch * heads * T * T); // (B, H, T, T) = (B·Hkv, g·T, T)
  kernel('batchedMatmul')({
    a: q,
    b: k,
    out: scores,
    batch: batch * kvHeads,
    m: g * T,
    n: T,
    k: D,
    transB: true,
    alpha: scale,
  });
  for (let b = 0; b < batch; b++) {
    const keyMask = mask ? (j: number) => mask[b * T + j] !== 0 : () => true;
    for (let kh = 0; kh < kvHeads; kh++) {
      const offset = (b * kvHeads + kh) * g * T * T;
      maskScores(scores, offset, g, T, T, 0, keyMask);
    }
  }
  const p = buffer(ws, 'p', q, batch * heads * T * T); // (B, H, T, T)
  kernel('softmax')({ x: scores, out: p, rows: batch * heads * T, cols: T });
  if (mask) {
    for (let b = 0; b < batch; b++) {
      const keyMask = (j: number) => mask[b * T + j] !== 0;
      for (let kh = 0; kh < kvHeads; kh++)
        zeroPaddedQueries(p, (b * kvHeads + kh) * g * T * T, g, T, T, 0, keyMask);
    }
  }
  const out = buffer(temp, 'out', q, batch * heads * T * D); // (B, H, T, D)
  kernel('batchedMatmul')({ a: p, b: v, out, batch: batch * kvHeads, m: g * T, n: D, k: T });
  return { out, cache: { q, k, v, p } };
}

/** dq (B, H, T, D), dk and dv (B, Hkv, T, D) from dout (B, H, T, D); with a workspace, all in transient buffers. */
export function sdpaBackward(
  dout: Float32Array,
  cache: SdpaCache,
  shape: SdpaShape,
  ws?: Workspace,
): { dq: Float32Array; dk: Float32Array; dv: Float32Array } {
  const { batch, seqLen: T, heads, kvHeads, headDim: D, scale } = shape;
  const { q, k, v, p } = cache;
  const g = heads / kvHeads;
  const bmm = kernel('batchedMatmul');
  const nb = batch * kvHeads;
  const temp = ws?.temp.scope('sdpa');
  const dp = buffer(temp, 'dp', dout, batch * heads * T * T); // (B·Hkv, g·T, T)
  bmm({ a: dout, b: v, out: dp, batch: nb, m: g * T, n: T, k: D, transB: true });
  const dv = buffer(temp, 'dv', dout, nb * T * D); // (B·Hkv, T, D) = pᵀ · dout
  bmm({ a: p, b: dout, out: dv, batch: nb, m: T, n: D, k: g * T, transA: true });
  const ds = buffer(temp, 'ds', dout, batch * heads * T * T); // (B·Hkv, g·T, T); masked entries have p = 0, so ds = 0
  kernel('softmaxBackward')({ y: p, dy: dp, dx: ds, rows: batch * heads * T, cols: T });
  const dq = buffer(temp, 'dq', dout, batch * heads * T * D); // (B·Hkv, g·T, D) = scale · ds · k
  bmm({ a: ds, b: k, out: dq, batch: nb, m: g * T, n: D, k: T, alpha: scale });
  const dk = buffer(temp, 'dk', dout, nb * T * D); // (B·Hkv, T, D) = scale · dsᵀ · q
  bmm({ a: ds, b: q, out: dk, batch: nb, m: T, n: D, k: g * T, transA: true, alpha: scale });
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

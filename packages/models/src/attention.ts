// Self-attention block (LlamaAttention / Qwen2Attention / GemmaAttention with rotate_half RoPE and GQA; GPT2Attention
// with a fused c_attn): projections, RoPE, causal SDPA, output projection — forward, backward and KV-cache decoding.
// Packed rows (position_ids restarting at 0, as DataCollatorWithFlattening makes) attend within each example only.
import {
  type F32,
  type ForwardContext,
  type I32,
  kernel,
  type LinearCache,
  type LinearModule,
} from '@lora/core';
import { joinColumns, splitColumns, swapMiddle } from './buffers.js';
import type { RopeTables } from './rope.js';
import { type SdpaCache, type SdpaShape, sdpaBackward, sdpaForward, sdpaIncremental } from './sdpa.js';
import { fromHeadMajor, type Segment, toHeadMajor } from './segments.js';
import { buffer, type Workspace } from './workspace.js';

/** The module names of an attention block's projections: separate q, k, v and o, or GPT-2's fused qkv. */
export type AttentionNames = { q: string; k: string; v: string; o: string } | { qkv: string; o: string };

export interface AttentionSpec {
  heads: number;
  kvHeads: number;
  headDim: number;
  /** score scale, 1/√D (GPT-2: also / (layer + 1) with scale_attn_by_inverse_layer_idx) */
  scale: number;
  /** rotary tables; undefined for GPT-2 (learned positions) */
  rope: RopeTables | undefined;
  /** sliding-window attention (Mistral): a query sees only the last `window` keys up to itself; undefined = all */
  window?: number;
  /** Gemma 2's attn_logit_softcapping: scores = cap · tanh(scores / cap) before the masks; undefined = none */
  softcap?: number;
  names: AttentionNames;
}

/** How the rows of a (N, C) activation are laid out: N = B·T, with each row's position, padding and sequence. */
export interface HostBatchLayout {
  batch: number;
  seqLen: number;
  /** (N) position of each row (for RoPE and learned positions) */
  positions: Int32Array;
  /** (B, T) 1 = real token; undefined = no padding */
  mask: Uint8Array | undefined;
  /** the causal sequences tiling the N rows in order: one per batch row, or one per packed example */
  segments: readonly Segment[];
}

/** The index arrays of a layout, in the model's memory. */
export interface DeviceLayout {
  /** (N) */
  positions: I32;
  /** (N) 1 = real token; undefined = no padding */
  keyMask: I32 | undefined;
  /** (S) each segment's first row */
  segmentStarts: I32;
}

/** The layout of a batch (rows, lengths, padding, packed sequences) with its arrays in device memory. */
export interface BatchLayout extends HostBatchLayout {
  device: DeviceLayout;
}

export interface AttentionCache {
  proj: LinearCache[];
  sdpa: SdpaCache;
  out: LinearCache;
}

/** One layer's keys and values in a KV cache: (B, Hkv, capacity, D) each. */
export interface LayerKv {
  k: F32;
  v: F32;
}

export interface IncrementalLayout {
  batch: number;
  /** new tokens per row */
  queries: number;
  /** tokens already cached */
  start: number;
  capacity: number;
  /** (B·n) positions of the new tokens, on the host and in the model's memory */
  positions: Int32Array;
  devicePositions: I32;
  /** (B, capacity) 1 = real token, covering start + n */
  keyMask: I32;
  /** (B) where each row's mask starts in keyMask: b · capacity */
  maskOffsets: I32;
}

export class Attention {
  constructor(
    readonly spec: AttentionSpec,
    private readonly linear: (name: string) => LinearModule,
  ) {}

  /** (N, H·D) q, (N, Hkv·D) k and v, with RoPE applied at `positions` (in transient buffers of `ws` when given). */
  private project(
    x: F32,
    rows: number,
    positions: { host: Int32Array; device: I32 },
    ctx: ForwardContext,
    ws?: Workspace,
  ) {
    const { heads, kvHeads, headDim: D, names, rope } = this.spec;
    const qDim = heads * D;
    const kvDim = kvHeads * D;
    const temp = ws?.temp.scope('attention');
    let q: F32;
    let k: F32;
    let v: F32;
    let proj: LinearCache[];
    if ('qkv' in names) {
      const width = qDim + 2 * kvDim;
      const r = this.linear(names.qkv).forward(x, rows, ctx, buffer(temp, 'qkv', x, rows * width)); // (N, 3C)
      [q, k, v] = [
        buffer(temp, 'q', x, rows * qDim),
        buffer(temp, 'k', x, rows * kvDim),
        buffer(temp, 'v', x, rows * kvDim),
      ];
      splitColumns(r.out, rows, width, [
        [q, 0, qDim],
        [k, qDim, kvDim],
        [v, qDim + kvDim, kvDim],
      ]);
      proj = [r.cache];
    } else {
      const rq = this.linear(names.q).forward(x, rows, ctx, buffer(temp, 'q', x, rows * qDim)); // (N, H·D)
      const rk = this.linear(names.k).forward(x, rows, ctx, buffer(temp, 'k', x, rows * kvDim)); // (N, Hkv·D)
      const rv = this.linear(names.v).forward(x, rows, ctx, buffer(temp, 'v', x, rows * kvDim)); // (N, Hkv·D)
      [q, k, v] = [rq.out, rk.out, rv.out];
      proj = [rq.cache, rk.cache, rv.cache];
    }
    if (rope) {
      let maxPos = 0;
      for (let i = 0; i < rows; i++) maxPos = Math.max(maxPos, positions.host[i]!);
      const { cos, sin } = rope.tables(maxPos + 1, x);
      const common = { tokens: rows, headDim: D, rotaryDim: D, positions: positions.device, cos, sin };
      kernel('rope')({ ...common, x: q, out: q, heads }); // (N, H, D) in place
      kernel('rope')({ ...common, x: k, out: k, heads: kvHeads }); // (N, Hkv, D)
    }
    return { q, k, v, proj };
  }

  private sdpaShape(layout: BatchLayout): SdpaShape {
    const { heads, kvHeads, headDim, scale, window, softcap } = this.spec;
    const { keyMask, segmentStarts } = layout.device;
    return {
      segments: layout.segments,
      heads,
      kvHeads,
      headDim,
      scale,
      keyMask,
      segmentStarts,
      window,
      softcap,
    };
  }

  /**
   * (N, C) output and the cache for backward. With a workspace, what backward reads (q, k, v by head, the attention
   * probabilities, the output projection's input) lives in its buffers and the rest in transient ones.
   */
  forward(
    x: F32,
    layout: BatchLayout,
    ctx: ForwardContext,
    ws?: Workspace,
  ): { out: F32; cache: AttentionCache } {
    const { heads, kvHeads, headDim: D, names } = this.spec;
    const { batch: B, seqLen: T, segments } = layout;
    const rows = B * T;
    const positions = { host: layout.positions, device: layout.device.positions };
    const { q, k, v, proj } = this.project(x, rows, positions, ctx, ws);
    // per segment (L, H, D) → (H, L, D); one segment per row: (B, T, H, D) → (B, H, T, D)
    const qh = toHeadMajor(q, segments, heads, D, buffer(ws, 'qh', q, q.length)); // per segment (H, L, D)
    const kh = toHeadMajor(k, segments, kvHeads, D, buffer(ws, 'kh', k, k.length)); // per segment (Hkv, L, D)
    const vh = toHeadMajor(v, segments, kvHeads, D, buffer(ws, 'vh', v, v.length)); // per segment (Hkv, L, D)
    const s = sdpaForward(qh, kh, vh, this.sdpaShape(layout), ws);
    const o = fromHeadMajor(s.out, segments, heads, D, buffer(ws, 'o', q, q.length)); // (N, H, D)
    const outLinear = this.linear(names.o);
    const out = buffer(ws?.temp.scope('attention'), 'out', x, rows * outLinear.outFeatures); // (N, C)
    const r = outLinear.forward(o, rows, ctx, out);
    return { out: r.out, cache: { proj, sdpa: s.cache, out: r.cache } };
  }

  /**
   * dx (N, C) from dout (N, C); the linears accumulate their own parameter gradients. With a workspace, the
   * intermediates and dx live in its transient buffers (dx until the next layer's backward).
   */
  backward(dout: F32, cache: AttentionCache, layout: BatchLayout, ws?: Workspace): F32 {
    const { heads, kvHeads, headDim: D, names, rope } = this.spec;
    const { batch: B, seqLen: T, segments } = layout;
    const rows = B * T;
    const temp = ws?.temp.scope('attention');
    const qDim = heads * D;
    const kvDim = kvHeads * D;
    const oLinear = this.linear(names.o);
    const dO = oLinear.backward(dout, cache.out, buffer(temp, 'dO', dout, rows * qDim, true)); // (N, H·D)
    const dOh = toHeadMajor(dO, segments, heads, D, buffer(temp, 'dOh', dO, dO.length)); // per segment (H, L, D)
    const g = sdpaBackward(dOh, cache.sdpa, this.sdpaShape(layout), ws);
    const dq = fromHeadMajor(g.dq, segments, heads, D, buffer(temp, 'dq', dO, rows * qDim)); // (N, H, D)
    const dk = fromHeadMajor(g.dk, segments, kvHeads, D, buffer(temp, 'dk', dO, rows * kvDim)); // (N, Hkv, D)
    const dv = fromHeadMajor(g.dv, segments, kvHeads, D, buffer(temp, 'dv', dO, rows * kvDim)); // (N, Hkv, D)
    if (rope) {
      const { cos, sin } = rope.tables(0, dout); // forward already grew them to cover every position
      const positions = layout.device.positions;
      const common = { tokens: rows, headDim: D, rotaryDim: D, positions, cos, sin, inverse: true };
      kernel('rope')({ ...common, x: dq, out: dq, heads });
      kernel('rope')({ ...common, x: dk, out: dk, heads: kvHeads });
    }
    const inFeatures = ('qkv' in names ? this.linear(names.qkv) : this.linear(names.q)).inFeatures;
    const dx = buffer(temp, 'dx', dout, rows * inFeatures, true); // (N, C)
    if ('qkv' in names) {
      const width = qDim + 2 * kvDim;
      const dqkv = buffer(temp, 'dqkv', dout, rows * width); // (N, 3C)
      joinColumns(dqkv, rows, width, [
        [dq, 0, qDim],
        [dk, qDim, kvDim],
        [dv, qDim + kvDim, kvDim],
      ]);
      return this.linear(names.qkv).backward(dqkv, cache.proj[0]!, dx);
    }
    this.linear(names.q).backward(dq, cache.proj[0]!, dx); // (N, C)
    this.linear(names.k).backward(dk, cache.proj[1]!, dx);
    this.linear(names.v).backward(dv, cache.proj[2]!, dx);
    return dx;
  }

  /**
   * (B·n, C) output for n new tokens per row, appending their keys and values to `kv`; with a workspace, every
   * intermediate lives in its buffers and the output in its buffer "out".
   */
  forwardIncremental(
    x: F32,
    kv: LayerKv,
    layout: IncrementalLayout,
    ctx: ForwardContext,
    ws?: Workspace,
  ): F32 {
    const { heads, kvHeads, headDim: D, scale, names, window, softcap } = this.spec;
    const { batch: B, queries: n, start, capacity } = layout;
    const positions = { host: layout.positions, device: layout.devicePositions };
    const { q, k, v } = this.project(x, B * n, positions, ctx, ws);
    // (B, n, Hkv, D) → rows start … start + n − 1 of the (B, Hkv, capacity, D) cache
    for (const [src, dst] of [
      [k, kv.k],
      [v, kv.v],
    ] as const) {
      kernel('stridedCopy')({
        src,
        dst: dst.subarray(start * D),
        counts: [B, n, kvHeads],
        inner: D,
        srcStrides: [n * kvHeads * D, kvHeads * D, D],
        dstStrides: [kvHeads * capacity * D, D, capacity * D],
      });
    }
    const qh = swapMiddle(q, B, n, heads, D, buffer(ws, 'qh', q, q.length)); // (B, H, n, D)
    const oh = sdpaIncremental(
      qh,
      kv.k,
      kv.v,
      {
        batch: B,
        queries: n,
        start,
        heads,
        kvHeads,
        headDim: D,
        scale,
        capacity,
        keyMask: layout.keyMask,
        maskOffsets: layout.maskOffsets,
        window,
        softcap,
      },
      ws?.scope('sdpa'),
    );
    const o = swapMiddle(oh, B, heads, n, D, buffer(ws, 'o', q, q.length)); // (B, n, H, D)
    const oLinear = this.linear(names.o);
    return oLinear.forward(o, B * n, ctx, buffer(ws, 'out', x, B * n * oLinear.outFeatures)).out;
  }
}

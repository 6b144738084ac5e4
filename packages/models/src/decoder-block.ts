// Pre-norm transformer decoder layer (LlamaDecoderLayer / Qwen2DecoderLayer / GemmaDecoderLayer / GPT2Block):
// x + attn(norm1(x)), then + mlp(norm2(·)); Gemma2DecoderLayer also normalises each branch's output before its
// residual add: x + postAttention(attn(norm1(x))), then + postMlp(mlp(norm2(·))).
import { type F32, type ForwardContext, kernel } from '@lora/core';
import type { Attention, AttentionCache, BatchLayout, IncrementalLayout, LayerKv } from './attention.js';
import { addInto, copyInto } from './buffers.js';
import type { Mlp, MlpCache } from './mlp.js';
import type { Norm, NormCache } from './norm.js';
import { buffer, type Workspace } from './workspace.js';

export interface BlockCache {
  norm1: NormCache;
  attention: AttentionCache;
  postAttention?: NormCache;
  norm2: NormCache;
  mlp: MlpCache;
  postMlp?: NormCache;
}

/** Norms of the branch outputs before their residual adds (Gemma 2's post_attention / post_feedforward norms). */
export interface PostNorms {
  attention?: Norm;
  mlp?: Norm;
}

export class DecoderBlock {
  constructor(
    readonly norm1: Norm,
    readonly attention: Attention,
    readonly norm2: Norm,
    readonly mlp: Mlp,
    readonly post: PostNorms = {},
  ) {}

  /** With a workspace (one per layer), the activations kept for backward live in its scopes. */
  forward(x: F32, layout: BatchLayout, ctx: ForwardContext, ws?: Workspace): { out: F32; cache: BlockCache } {
    const rows = layout.batch * layout.seqLen;
    const n1 = this.norm1.forward(x, rows, ws?.scope('norm1')); // (N, C)
    const a = this.attention.forward(n1.out, layout, ctx, ws?.scope('attention')); // (N, C)
    let attended = a.out;
    let postAttention: NormCache | undefined;
    if (this.post.attention) {
      // the attention output is transient: the post-norm's backward reads a kept copy
      const kept = buffer(ws, 'attention-out', x, rows * this.post.attention.dim); // (N, C)
      copyInto(kept, a.out);
      const pa = this.post.attention.forward(kept, rows, ws?.scope('post-attention-norm')); // (N, C)
      [attended, postAttention] = [pa.out, pa.cache];
    }
    const mid = buffer(ws, 'mid', x, x.length); // (N, C) residual after attention
    kernel('add')({ a: x, b: attended, out: mid, n: x.length });
    const n2 = this.norm2.forward(mid, rows, ws?.scope('norm2')); // (N, C)
    const m = this.mlp.forward(n2.out, rows, ctx, ws?.scope('mlp')); // (N, C)
    let out = m.out;
    let postMlp: NormCache | undefined;
    if (this.post.mlp) {
      const pm = this.post.mlp.forward(m.out, rows, ws?.scope('post-mlp-norm')); // (N, C)
      [out, postMlp] = [pm.out, pm.cache];
    }
    addInto(out, mid); // (N, C) residual after the MLP
    const cache = {
      norm1: n1.cache,
      attention: a.cache,
      postAttention,
      norm2: n2.cache,
      mlp: m.cache,
      postMlp,
    };
    return { out, cache };
  }

  /**
   * dx (N, C) from dout (N, C). With a workspace, dx and the gradient at the attention residual live in its scopes
   * "norm1" and "norm2" (dout must not: the caller alternates two workspaces between neighbouring layers).
   */
  backward(dout: F32, cache: BlockCache, layout: BatchLayout, ws?: Workspace): F32 {
    const dmOut = this.post.mlp
      ? this.post.mlp.backward(dout, cache.postMlp!, ws?.scope('post-mlp-norm')) // (N, C)
      : dout;
    const dm = this.mlp.backward(dmOut, cache.mlp, ws?.scope('mlp')); // (N, C)
    const dmid = this.norm2.backward(dm, cache.norm2, ws?.scope('norm2')); // (N, C)
    addInto(dmid, dout);
    const daOut = this.post.attention
      ? this.post.attention.backward(dmid, cache.postAttention!, ws?.scope('post-attention-norm')) // (N, C)
      : dmid;
    const da = this.attention.backward(daOut, cache.attention, layout, ws?.scope('attention')); // (N, C)
    const dx = this.norm1.backward(da, cache.norm1, ws?.scope('norm1')); // (N, C)
    addInto(dx, dmid);
    return dx;
  }

  /** With a workspace (one per layer), every activation lives in its scopes; the output in the MLP's (or post-norm's) "out". */
  forwardIncremental(
    x: F32,
    kv: LayerKv,
    layout: IncrementalLayout,
    ctx: ForwardContext,
    ws?: Workspace,
  ): F32 {
    const rows = layout.batch * layout.queries;
    const n1 = this.norm1.forward(x, rows, ws?.scope('norm1')).out; // (B·n, C)
    let a = this.attention.forwardIncremental(n1, kv, layout, ctx, ws?.scope('attention'));
    if (this.post.attention) a = this.post.attention.forward(a, rows, ws?.scope('post-attention-norm')).out;
    addInto(a, x); // (B·n, C)
    let m = this.mlp.forward(
      this.norm2.forward(a, rows, ws?.scope('norm2')).out,
      rows,
      ctx,
      ws?.scope('mlp'),
    ).out;
    if (this.post.mlp) m = this.post.mlp.forward(m, rows, ws?.scope('post-mlp-norm')).out;
    addInto(m, a);
    return m;
  }
}

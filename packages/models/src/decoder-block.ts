// Pre-norm transformer decoder layer (LlamaDecoderLayer / Qwen2DecoderLayer / GemmaDecoderLayer / GPT2Block):
// x + attn(norm1(x)), then + mlp(norm2(·)).
import type { ForwardContext } from '@lora/core';
import type { Attention, AttentionCache, BatchLayout, IncrementalLayout, LayerKv } from './attention.js';
import { addInto, alloc } from './buffers.js';
import type { Mlp, MlpCache } from './mlp.js';
import type { Norm, NormCache } from './norm.js';

export interface BlockCache {
  norm1: NormCache;
  attention: AttentionCache;
  norm2: NormCache;
  mlp: MlpCache;
}

export class DecoderBlock {
  constructor(
    readonly norm1: Norm,
    readonly attention: Attention,
    readonly norm2: Norm,
    readonly mlp: Mlp,
  ) {}

  forward(
    x: Float32Array,
    layout: BatchLayout,
    ctx: ForwardContext,
  ): { out: Float32Array; cache: BlockCache } {
    const rows = layout.batch * layout.seqLen;
    const n1 = this.norm1.forward(x, rows); // (N, C)
    const a = this.attention.forward(n1.out, layout, ctx); // (N, C)
    const mid = alloc(x, x.length); // (N, C) residual after attention
    for (let i = 0; i < x.length; i++) mid[i] = x[i]! + a.out[i]!;
    const n2 = this.norm2.forward(mid, rows); // (N, C)
    const m = this.mlp.forward(n2.out, rows, ctx); // (N, C)
    addInto(m.out, mid); // (N, C) residual after the MLP
    return { out: m.out, cache: { norm1: n1.cache, attention: a.cache, norm2: n2.cache, mlp: m.cache } };
  }

  /** dx (N, C) from dout (N, C). */
  backward(dout: Float32Array, cache: BlockCache, layout: BatchLayout): Float32Array {
    const dmid = this.norm2.backward(this.mlp.backward(dout, cache.mlp), cache.norm2); // (N, C)
    addInto(dmid, dout);
    const dx = this.norm1.backward(this.attention.backward(dmid, cache.attention, layout), cache.norm1); // (N, C)
    addInto(dx, dmid);
    return dx;
  }

  /** (B·n, C) for n new tokens per row, appending to this layer's KV cache. */
  forwardIncremental(
    x: Float32Array,
    kv: LayerKv,
    layout: IncrementalLayout,
    ctx: ForwardContext,
  ): Float32Array {
    const rows = layout.batch * layout.queries;
    const a = this.attention.forwardIncremental(this.norm1.forward(x, rows).out, kv, layout, ctx);
    addInto(a, x); // (B·n, C)
    const m = this.mlp.forward(this.norm2.forward(a, rows).out, rows, ctx).out;
    addInto(m, a);
    return m;
  }
}

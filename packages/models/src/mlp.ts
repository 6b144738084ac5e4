// Feed-forward blocks: gated (LlamaMLP SwiGLU, GemmaMLP GeGLU with tanh-GELU) and GPT2MLP (c_fc → gelu_new → c_proj).
import { kernel, type ForwardContext, type LinearCache, type LinearModule } from '@lora/core';
import { alloc } from './buffers.js';

export type Activation = 'silu' | 'geluTanh';

export type MlpNames = { gate: string; up: string; down: string } | { fc: string; proj: string };

export interface MlpCache {
  /** (T, I) pre-activation (the gate projection, or c_fc's output) */
  pre: Float32Array;
  /** (T, I) the up projection (gated only) */
  up?: Float32Array;
  linears: LinearCache[];
}

export class Mlp {
  constructor(
    readonly activation: Activation,
    readonly names: MlpNames,
    private readonly linear: (name: string) => LinearModule,
  ) {}

  private act(x: Float32Array): Float32Array {
    const out = alloc(x, x.length);
    kernel(this.activation)({ x, out, n: x.length });
    return out;
  }

  forward(x: Float32Array, rows: number, ctx: ForwardContext): { out: Float32Array; cache: MlpCache } {
    const names = this.names;
    if ('fc' in names) {
      const fc = this.linear(names.fc).forward(x, rows, ctx); // (T, I)
      const proj = this.linear(names.proj).forward(this.act(fc.out), rows, ctx); // (T, C)
      return { out: proj.out, cache: { pre: fc.out, linears: [fc.cache, proj.cache] } };
    }
    const gate = this.linear(names.gate).forward(x, rows, ctx); // (T, I)
    const up = this.linear(names.up).forward(x, rows, ctx); // (T, I)
    const h = this.act(gate.out); // (T, I)
    for (let i = 0; i < h.length; i++) h[i]! *= up.out[i]!;
    const down = this.linear(names.down).forward(h, rows, ctx); // (T, C)
    return {
      out: down.out,
      cache: { pre: gate.out, up: up.out, linears: [gate.cache, up.cache, down.cache] },
    };
  }

  /** dx (T, C) from dout (T, C); the activation is recomputed from the cached pre-activation. */
  backward(dout: Float32Array, cache: MlpCache): Float32Array {
    const names = this.names;
    const { pre, linears } = cache;
    const backwardKernel = kernel(this.activation === 'silu' ? 'siluBackward' : 'geluTanhBackward');
    if ('fc' in names) {
      const da = this.linear(names.proj).backward(dout, linears[1]!); // (T, I)
      const dpre = alloc(da, da.length);
      backwardKernel({ x: pre, dout: da, dx: dpre, n: pre.length });
      return this.linear(names.fc).backward(dpre, linears[0]!);
    }
    const up = cache.up!;
    const dh = this.linear(names.down).backward(dout, linears[2]!); // (T, I)
    const a = this.act(pre); // (T, I)
    const da = alloc(dh, dh.length); // (T, I) = dh · up
    const dup = alloc(dh, dh.length); // (T, I) = dh · act(gate)
    for (let i = 0; i < dh.length; i++) {
      da[i] = dh[i]! * up[i]!;
      dup[i] = dh[i]! * a[i]!;
    }
    const dgate = alloc(dh, dh.length);
    backwardKernel({ x: pre, dout: da, dx: dgate, n: pre.length });
    const dx = this.linear(names.gate).backward(dgate, linears[0]!); // (T, C)
    this.linear(names.up).backward(dup, linears[1]!, dx);
    return dx;
  }
}

// Feed-forward blocks: gated (LlamaMLP SwiGLU, GemmaMLP GeGLU with tanh-GELU) and GPT2MLP (c_fc → gelu_new → c_proj).
import { type F32, type ForwardContext, kernel, type LinearCache, type LinearModule } from '@lora/core';
import { buffer, type Workspace } from './workspace.js';

export type Activation = 'silu' | 'geluTanh';

export type MlpNames = { gate: string; up: string; down: string } | { fc: string; proj: string };

export interface MlpCache {
  /** (T, I) pre-activation (the gate projection, or c_fc's output) */
  pre: F32;
  /** (T, I) the up projection (gated only) */
  up?: F32;
  linears: LinearCache[];
}

export class Mlp {
  constructor(
    readonly activation: Activation,
    readonly names: MlpNames,
    private readonly linear: (name: string) => LinearModule,
  ) {}

  /** With a workspace, the activations kept for backward live in its buffers "gate", "up", "h" / "fc", "a" and "out". */
  forward(
    x: F32,
    rows: number,
    ctx: ForwardContext,
    ws?: Workspace,
  ): { out: F32; cache: MlpCache } {
    const names = this.names;
    const outOf = (key: string, linear: LinearModule) => buffer(ws, key, x, rows * linear.outFeatures);
    const act = kernel(this.activation);
    if ('fc' in names) {
      const fcLinear = this.linear(names.fc);
      const fc = fcLinear.forward(x, rows, ctx, outOf('fc', fcLinear)); // (T, I)
      const a = buffer(ws, 'a', x, fc.out.length); // (T, I)
      act({ x: fc.out, out: a, n: a.length });
      const projLinear = this.linear(names.proj);
      const proj = projLinear.forward(a, rows, ctx, outOf('out', projLinear)); // (T, C)
      return { out: proj.out, cache: { pre: fc.out, linears: [fc.cache, proj.cache] } };
    }
    const [gateLinear, upLinear, downLinear] = [
      this.linear(names.gate),
      this.linear(names.up),
      this.linear(names.down),
    ];
    const gate = gateLinear.forward(x, rows, ctx, outOf('gate', gateLinear)); // (T, I)
    const up = upLinear.forward(x, rows, ctx, outOf('up', upLinear)); // (T, I)
    const h = buffer(ws, 'h', x, gate.out.length); // (T, I) act(gate) · up
    act({ x: gate.out, out: h, n: h.length });
    kernel('mul')({ a: h, b: up.out, out: h, n: h.length });
    const down = downLinear.forward(h, rows, ctx, outOf('out', downLinear)); // (T, C)
    return {
      out: down.out,
      cache: { pre: gate.out, up: up.out, linears: [gate.cache, up.cache, down.cache] },
    };
  }

  /**
   * dx (T, C) from dout (T, C); the activation is recomputed from the cached pre-activation. With a workspace, the
   * intermediates and dx live in its transient buffers (dx until the next layer's backward).
   */
  backward(dout: F32, cache: MlpCache, ws?: Workspace): F32 {
    const names = this.names;
    const { pre, linears } = cache;
    const temp = ws?.temp.scope('mlp');
    const rows = linears[0]!.rows;
    const backwardKernel = kernel(this.activation === 'silu' ? 'siluBackward' : 'geluTanhBackward');
    /** a zeroed (T, in) buffer for a linear's dx to accumulate into */
    const dxOf = (key: string, linear: LinearModule) =>
      buffer(temp, key, dout, rows * linear.inFeatures, true);
    if ('fc' in names) {
      const proj = this.linear(names.proj);
      const da = proj.backward(dout, linears[1]!, dxOf('da', proj)); // (T, I)
      const dpre = buffer(temp, 'dpre', da, da.length);
      backwardKernel({ x: pre, dout: da, dx: dpre, n: pre.length });
      const fc = this.linear(names.fc);
      return fc.backward(dpre, linears[0]!, dxOf('dx', fc));
    }
    const up = cache.up!;
    const [gate, upLinear, down] = [this.linear(names.gate), this.linear(names.up), this.linear(names.down)];
    const dh = down.backward(dout, linears[2]!, dxOf('dh', down)); // (T, I)
    const n = dh.length;
    const a = buffer(temp, 'a', dh, n); // (T, I) act(gate)
    kernel(this.activation)({ x: pre, out: a, n });
    const da = buffer(temp, 'da', dh, n); // (T, I) = dh · up
    const dup = buffer(temp, 'dup', dh, n); // (T, I) = dh · act(gate)
    kernel('mul')({ a: dh, b: up, out: da, n });
    kernel('mul')({ a: dh, b: a, out: dup, n });
    const dgate = buffer(temp, 'dgate', dh, n); // (T, I)
    backwardKernel({ x: pre, dout: da, dx: dgate, n });
    const dx = gate.backward(dgate, linears[0]!, dxOf('dx', gate)); // (T, C)
    upLinear.backward(dup, linears[1]!, dx);
    return dx;
  }
}

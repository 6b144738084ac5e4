// Feed-forward blocks: gated (LlamaMLP SwiGLU, GemmaMLP GeGLU with tanh-GELU, Phi3MLP with a fused gate_up_proj whose
// first half is the gate) and GPT2MLP (c_fc → gelu_new → c_proj).
import { type F32, type ForwardContext, kernel, type LinearCache, type LinearModule } from '@lora/core';
import { joinColumns, splitColumns } from './buffers.js';
import { buffer, type Workspace } from './workspace.js';

export type Activation = 'silu' | 'geluTanh';

/** The module names of an MLP: gate, up and down; a fused gate_up (Phi-3: [gate | up] columns) and down; or fc, proj. */
export type MlpNames =
  | { gate: string; up: string; down: string }
  | { gateUp: string; down: string }
  | { fc: string; proj: string };

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
  forward(x: F32, rows: number, ctx: ForwardContext, ws?: Workspace): { out: F32; cache: MlpCache } {
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
    let gate: F32;
    let up: F32;
    let projections: LinearCache[];
    if ('gateUp' in names) {
      const gateUpLinear = this.linear(names.gateUp);
      const width = gateUpLinear.outFeatures;
      const I = width / 2;
      const temp = ws?.temp.scope('mlp');
      const gu = gateUpLinear.forward(x, rows, ctx, buffer(temp, 'gate-up', x, rows * width)); // (T, 2I)
      [gate, up] = [buffer(ws, 'gate', x, rows * I), buffer(ws, 'up', x, rows * I)]; // (T, I) each
      splitColumns(gu.out, rows, width, [
        [gate, 0, I],
        [up, I, I],
      ]);
      projections = [gu.cache];
    } else {
      const [gateLinear, upLinear] = [this.linear(names.gate), this.linear(names.up)];
      const g = gateLinear.forward(x, rows, ctx, outOf('gate', gateLinear)); // (T, I)
      const u = upLinear.forward(x, rows, ctx, outOf('up', upLinear)); // (T, I)
      [gate, up, projections] = [g.out, u.out, [g.cache, u.cache]];
    }
    const downLinear = this.linear(names.down);
    const h = buffer(ws, 'h', x, gate.length); // (T, I) act(gate) · up
    act({ x: gate, out: h, n: h.length });
    kernel('mul')({ a: h, b: up, out: h, n: h.length });
    const down = downLinear.forward(h, rows, ctx, outOf('out', downLinear)); // (T, C)
    return { out: down.out, cache: { pre: gate, up, linears: [...projections, down.cache] } };
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
    const down = this.linear(names.down);
    const dh = down.backward(dout, linears.at(-1)!, dxOf('dh', down)); // (T, I)
    const n = dh.length;
    const a = buffer(temp, 'a', dh, n); // (T, I) act(gate)
    kernel(this.activation)({ x: pre, out: a, n });
    const da = buffer(temp, 'da', dh, n); // (T, I) = dh · up
    const dup = buffer(temp, 'dup', dh, n); // (T, I) = dh · act(gate)
    kernel('mul')({ a: dh, b: up, out: da, n });
    kernel('mul')({ a: dh, b: a, out: dup, n });
    const dgate = buffer(temp, 'dgate', dh, n); // (T, I)
    backwardKernel({ x: pre, dout: da, dx: dgate, n });
    if ('gateUp' in names) {
      const gateUp = this.linear(names.gateUp);
      const dgu = buffer(temp, 'dgate-up', dh, 2 * n); // (T, 2I) = [dgate | dup]
      joinColumns(dgu, rows, 2 * (n / rows), [
        [dgate, 0, n / rows],
        [dup, n / rows, n / rows],
      ]);
      return gateUp.backward(dgu, linears[0]!, dxOf('dx', gateUp)); // (T, C)
    }
    const [gate, upLinear] = [this.linear(names.gate), this.linear(names.up)];
    const dx = gate.backward(dgate, linears[0]!, dxOf('dx', gate)); // (T, C)
    upLinear.backward(dup, linears[1]!, dx);
    return dx;
  }
}

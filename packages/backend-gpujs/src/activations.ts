// Reference: torch.nn.functional.silu and transformers gelu_pytorch_tanh (GELU, tanh approximation), and Gemma 2's
// tanh soft-capping, with their derivatives.

import type { HostArgs, SoftcapArgs, SoftcapBackwardArgs, UnaryArgs, UnaryBackwardArgs } from '@lora/core';
import { checkDims, checkLength, checkSoftcapArgs } from '@lora/core';
import type { KernelThis, Plan } from './runner.js';
import { launch } from './runner.js';
import { head } from './upload.js';

type NoConstants = Record<string, never>;

function siluCell(this: KernelThis<NoConstants>, x: Float32Array): number {
  const v = x[this.thread.x]!;
  return v / (1 + Math.exp(-v));
}

function siluBackwardCell(this: KernelThis<NoConstants>, x: Float32Array, dout: Float32Array): number {
  const v = x[this.thread.x]!;
  const s = 1 / (1 + Math.exp(-v));
  return dout[this.thread.x]! * s * (1 + v * (1 - s));
}

// With e = exp(−2|u|): 1 + tanh(u) = 2/(1 + e) for u ≥ 0 and 2e/(1 + e) below, and 1 − tanh²(u) = 4e/(1 + e)²;
// both stay exact in f32 deep in the tails, where 1 + tanh(u) would cancel to 0, and never overflow.
function geluTanhCell(this: KernelThis<NoConstants>, x: Float32Array): number {
  const v = x[this.thread.x]!;
  const u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
  const e = Math.exp(-2 * Math.abs(u));
  let onePlusT = 2 / (1 + e);
  if (u < 0) onePlusT = (2 * e) / (1 + e);
  return 0.5 * v * onePlusT;
}

function geluTanhBackwardCell(this: KernelThis<NoConstants>, x: Float32Array, dout: Float32Array): number {
  const v = x[this.thread.x]!;
  const u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
  const e = Math.exp(-2 * Math.abs(u));
  let onePlusT = 2 / (1 + e);
  if (u < 0) onePlusT = (2 * e) / (1 + e);
  const oneMinusT2 = (4 * e) / ((1 + e) * (1 + e));
  const du = 0.7978845608028654 * (1 + 3 * 0.044715 * v * v);
  return dout[this.thread.x]! * (0.5 * onePlusT + 0.5 * v * oneMinusT2 * du);
}

// cap · tanh(x / cap), tanh as Cephes tanhf: an odd polynomial below |u| = 0.625 (relative accuracy where tanh u ≈ u),
// (1 − e)/(1 + e) with e = exp(−2|u|) above (no overflow).
function softcapCell(this: KernelThis<NoConstants>, x: Float32Array, cap: number): number {
  const u = x[this.thread.x]! / cap;
  const a = Math.abs(u);
  const z = u * u;
  let t =
    ((((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z + 1.33314422036e-1) * z -
      3.33332819422e-1) *
      z *
      u +
    u;
  if (a >= 0.625) {
    const e = Math.exp(-2 * a);
    t = (1 - e) / (1 + e);
    if (u < 0) t = -t;
  }
  return cap * t;
}

// dy · (1 − (y / cap)²), from softcap's output y
function softcapBackwardCell(
  this: KernelThis<NoConstants>,
  y: Float32Array,
  dy: Float32Array,
  cap: number,
): number {
  const t = y[this.thread.x]! / cap;
  return dy[this.thread.x]! * (1 - t * t);
}

export function* softcapPlan(args: HostArgs<SoftcapArgs>): Plan {
  checkSoftcapArgs('softcap', args);
  const { x, out, n, cap } = args;
  if (n === 0) return;
  yield launch(
    `softcap:${n}`,
    () => ({ fn: softcapCell, output: [n], argumentTypes: { x: 'Array', cap: 'Float' } }),
    [head(x, n), cap],
    out,
  );
}

export function* softcapBackwardPlan(args: HostArgs<SoftcapBackwardArgs>): Plan {
  checkSoftcapArgs('softcapBackward', args);
  const { y, dy, dx, n, cap } = args;
  if (n === 0) return;
  yield launch(
    `softcapBackward:${n}`,
    () => ({
      fn: softcapBackwardCell,
      output: [n],
      argumentTypes: { y: 'Array', dy: 'Array', cap: 'Float' },
    }),
    [head(y, n), head(dy, n), cap],
    dx,
  );
}

function* unaryPlan(name: string, fn: typeof siluCell, { x, out, n }: HostArgs<UnaryArgs>): Plan {
  checkDims(name, { n });
  checkLength(name, 'x', x, n);
  checkLength(name, 'out', out, n);
  if (n === 0) return;
  yield launch(`${name}:${n}`, () => ({ fn, output: [n], argumentTypes: { x: 'Array' } }), [head(x, n)], out);
}

function* unaryBackwardPlan(
  name: string,
  fn: typeof siluBackwardCell,
  { x, dout, dx, n }: HostArgs<UnaryBackwardArgs>,
): Plan {
  checkDims(name, { n });
  checkLength(name, 'x', x, n);
  checkLength(name, 'dout', dout, n);
  checkLength(name, 'dx', dx, n);
  if (n === 0) return;
  yield launch(
    `${name}:${n}`,
    () => ({ fn, output: [n], argumentTypes: { x: 'Array', dout: 'Array' } }),
    [head(x, n), head(dout, n)],
    dx,
  );
}

export const siluPlan = (args: HostArgs<UnaryArgs>): Plan => unaryPlan('silu', siluCell, args);
export const siluBackwardPlan = (args: HostArgs<UnaryBackwardArgs>): Plan =>
  unaryBackwardPlan('siluBackward', siluBackwardCell, args);
export const geluTanhPlan = (args: HostArgs<UnaryArgs>): Plan => unaryPlan('geluTanh', geluTanhCell, args);
export const geluTanhBackwardPlan = (args: HostArgs<UnaryBackwardArgs>): Plan =>
  unaryBackwardPlan('geluTanhBackward', geluTanhBackwardCell, args);

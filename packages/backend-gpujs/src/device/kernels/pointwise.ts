// Elementwise device kernels: fill, add, mul, axpy, scale, addBias, the activations and soft-capping with their
// backwards (torch's elementwise ops, nn.Linear's bias, F.silu, transformers' gelu_pytorch_tanh and Gemma 2's
// tanh soft-capping), one cell per element.
import {
  checkAddBiasArgs,
  checkAxpyArgs,
  checkBinaryArgs,
  checkFillArgs,
  checkScaleArgs,
  checkSoftcapArgs,
  checkUnaryArgs,
} from '@lora/core';
import type { KernelThis } from '../../runner.js';
import { cells, type DeviceKernels, divFloor, own } from './common.js';

type NoConstants = Record<string, never>;

function fillCell(this: KernelThis<NoConstants>, value: number): number {
  return value;
}

function addCell(
  this: KernelThis<NoConstants>,
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
): number {
  return a[aOff + this.thread.x]! + b[bOff + this.thread.x]!;
}

function mulCell(
  this: KernelThis<NoConstants>,
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
): number {
  return a[aOff + this.thread.x]! * b[bOff + this.thread.x]!;
}

function axpyCell(
  this: KernelThis<NoConstants>,
  x: Float32Array,
  xOff: number,
  y: Float32Array,
  yOff: number,
  alpha: number,
): number {
  return y[yOff + this.thread.x]! + alpha * x[xOff + this.thread.x]!;
}

function scaleCell(this: KernelThis<NoConstants>, x: Float32Array, xOff: number, alpha: number): number {
  return alpha * x[xOff + this.thread.x]!;
}

// (T, C): x[r, c] + bias[c]
function addBiasCell(
  this: KernelThis<{ cols: number }>,
  x: Float32Array,
  xOff: number,
  bias: Float32Array,
  biasOff: number,
): number {
  const i = this.thread.x;
  const c = i - divFloor(i, this.constants.cols) * this.constants.cols;
  return x[xOff + i]! + bias[biasOff + c]!;
}

function siluCell(this: KernelThis<NoConstants>, x: Float32Array, xOff: number): number {
  const v = x[xOff + this.thread.x]!;
  return v / (1 + Math.exp(-v));
}

function siluBackwardCell(
  this: KernelThis<NoConstants>,
  x: Float32Array,
  xOff: number,
  dout: Float32Array,
  doutOff: number,
): number {
  const v = x[xOff + this.thread.x]!;
  const s = 1 / (1 + Math.exp(-v));
  return dout[doutOff + this.thread.x]! * s * (1 + v * (1 - s));
}

// With e = exp(−2|u|): 1 + tanh(u) = 2/(1 + e) for u ≥ 0 and 2e/(1 + e) below, and 1 − tanh²(u) = 4e/(1 + e)²;
// both stay exact in f32 deep in the tails, where 1 + tanh(u) would cancel to 0, and never overflow.
function geluTanhCell(this: KernelThis<NoConstants>, x: Float32Array, xOff: number): number {
  const v = x[xOff + this.thread.x]!;
  const u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
  const e = Math.exp(-2 * Math.abs(u));
  let onePlusT = 2 / (1 + e);
  if (u < 0) onePlusT = (2 * e) / (1 + e);
  return 0.5 * v * onePlusT;
}

function geluTanhBackwardCell(
  this: KernelThis<NoConstants>,
  x: Float32Array,
  xOff: number,
  dout: Float32Array,
  doutOff: number,
): number {
  const v = x[xOff + this.thread.x]!;
  const u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
  const e = Math.exp(-2 * Math.abs(u));
  let onePlusT = 2 / (1 + e);
  if (u < 0) onePlusT = (2 * e) / (1 + e);
  const oneMinusT2 = (4 * e) / ((1 + e) * (1 + e));
  const du = 0.7978845608028654 * (1 + 3 * 0.044715 * v * v);
  return dout[doutOff + this.thread.x]! * (0.5 * onePlusT + 0.5 * v * oneMinusT2 * du);
}

// cap · tanh(x / cap), tanh as Cephes tanhf: an odd polynomial below |u| = 0.625 (relative accuracy where tanh u ≈ u),
// (1 − e)/(1 + e) with e = exp(−2|u|) above (no overflow).
function softcapCell(this: KernelThis<NoConstants>, x: Float32Array, xOff: number, cap: number): number {
  const u = x[xOff + this.thread.x]! / cap;
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
  yOff: number,
  dy: Float32Array,
  dyOff: number,
  cap: number,
): number {
  const t = y[yOff + this.thread.x]! / cap;
  return dy[dyOff + this.thread.x]! * (1 - t * t);
}

export const POINTWISE_KERNELS = {
  fill(gx, args) {
    checkFillArgs(args);
    const x = own(gx, args.x, 'fill', 'x');
    // an int32 array stores the value as a typed array would (ToInt32), exact while within ±2^24
    const value = x.dtype === 'f32' ? args.value : args.value | 0;
    gx.ex.write(x, args.n, cells('fill', fillCell, args.n, [['value', value]]));
  },
  add(gx, args) {
    checkBinaryArgs('add', args);
    const [a, b, out] = [
      own(gx, args.a, 'add', 'a'),
      own(gx, args.b, 'add', 'b'),
      own(gx, args.out, 'add', 'out'),
    ];
    const launch = cells('add', addCell, args.n, [
      ['a', a],
      ['aOff', a.offset],
      ['b', b],
      ['bOff', b.offset],
    ]);
    gx.ex.write(out, args.n, launch);
  },
  mul(gx, args) {
    checkBinaryArgs('mul', args);
    const [a, b, out] = [
      own(gx, args.a, 'mul', 'a'),
      own(gx, args.b, 'mul', 'b'),
      own(gx, args.out, 'mul', 'out'),
    ];
    const launch = cells('mul', mulCell, args.n, [
      ['a', a],
      ['aOff', a.offset],
      ['b', b],
      ['bOff', b.offset],
    ]);
    gx.ex.write(out, args.n, launch);
  },
  axpy(gx, args) {
    checkAxpyArgs(args);
    const [x, y] = [own(gx, args.x, 'axpy', 'x'), own(gx, args.y, 'axpy', 'y')];
    const launch = cells('axpy', axpyCell, args.n, [
      ['x', x],
      ['xOff', x.offset],
      ['y', y],
      ['yOff', y.offset],
      ['alpha', args.alpha],
    ]);
    gx.ex.write(y, args.n, launch);
  },
  scale(gx, args) {
    checkScaleArgs(args);
    const [x, out] = [own(gx, args.x, 'scale', 'x'), own(gx, args.out, 'scale', 'out')];
    const launch = cells('scale', scaleCell, args.n, [
      ['x', x],
      ['xOff', x.offset],
      ['alpha', args.alpha],
    ]);
    gx.ex.write(out, args.n, launch);
  },
  addBias(gx, args) {
    checkAddBiasArgs(args);
    const { rows, cols } = args;
    const [x, bias] = [own(gx, args.x, 'addBias', 'x'), own(gx, args.bias, 'addBias', 'bias')];
    const launch = cells(
      'addBias',
      addBiasCell,
      rows * cols,
      [
        ['x', x],
        ['xOff', x.offset],
        ['bias', bias],
        ['biasOff', bias.offset],
      ],
      { constants: { cols } },
    );
    gx.ex.write(x, rows * cols, launch);
  },
  silu: (gx, args) => unary(gx, 'silu', siluCell, args),
  geluTanh: (gx, args) => unary(gx, 'geluTanh', geluTanhCell, args),
  siluBackward: (gx, args) => unaryBackward(gx, 'siluBackward', siluBackwardCell, args),
  geluTanhBackward: (gx, args) => unaryBackward(gx, 'geluTanhBackward', geluTanhBackwardCell, args),
  softcap(gx, args) {
    checkSoftcapArgs('softcap', args);
    const [x, out] = [own(gx, args.x, 'softcap', 'x'), own(gx, args.out, 'softcap', 'out')];
    const launch = cells('softcap', softcapCell, args.n, [
      ['x', x],
      ['xOff', x.offset],
      ['cap', args.cap],
    ]);
    gx.ex.write(out, args.n, launch);
  },
  softcapBackward(gx, args) {
    checkSoftcapArgs('softcapBackward', args);
    const [y, dy, dx] = [
      own(gx, args.y, 'softcapBackward', 'y'),
      own(gx, args.dy, 'softcapBackward', 'dy'),
      own(gx, args.dx, 'softcapBackward', 'dx'),
    ];
    const launch = cells('softcapBackward', softcapBackwardCell, args.n, [
      ['y', y],
      ['yOff', y.offset],
      ['dy', dy],
      ['dyOff', dy.offset],
      ['cap', args.cap],
    ]);
    gx.ex.write(dx, args.n, launch);
  },
} satisfies DeviceKernels;

type Ctx = Parameters<NonNullable<DeviceKernels['silu']>>[0];
type UnaryArgs = Parameters<NonNullable<DeviceKernels['silu']>>[1];
type UnaryBackwardArgs = Parameters<NonNullable<DeviceKernels['siluBackward']>>[1];

function unary(gx: Ctx, name: string, fn: typeof siluCell, args: UnaryArgs): void {
  checkUnaryArgs(name, args);
  const [x, out] = [own(gx, args.x, name, 'x'), own(gx, args.out, name, 'out')];
  gx.ex.write(
    out,
    args.n,
    cells(name, fn, args.n, [
      ['x', x],
      ['xOff', x.offset],
    ]),
  );
}

function unaryBackward(gx: Ctx, name: string, fn: typeof siluBackwardCell, args: UnaryBackwardArgs): void {
  checkUnaryArgs(name, args);
  const [x, dout, dx] = [
    own(gx, args.x, name, 'x'),
    own(gx, args.dout, name, 'dout'),
    own(gx, args.dx, name, 'dx'),
  ];
  const launch = cells(name, fn, args.n, [
    ['x', x],
    ['xOff', x.offset],
    ['dout', dout],
    ['doutOff', dout.offset],
  ]);
  gx.ex.write(dx, args.n, launch);
}

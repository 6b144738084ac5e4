// bitsandbytes' 8-bit blockwise AdamW on device arrays (kOptimizerStatic8bit2StateBlockwise, ADAM, blocks of 256).
// gpu.js cells cannot share values, so the CUDA kernel's one pass is seven launches: the new m and v of every element
// (dequantized from the old codes, updated; 0 for a non-finite gradient) into scratch, each block's new absmax of
// each (one cell per block, looping over its 256), the new params, then the new codes of m and of v (bitsandbytes'
// binary search over the map, the first moment's sign kept). Each launch reads at most five arrays (a WebGPU stage
// binds at most eight storage buffers) and no texture is indexed by another texture's value in one expression (gpu.js
// hoists those under one name). Params, codes and absmax are committed together at the end. gradScale scales the
// gradient; a non-finite one leaves params, codes and absmax as they were. (Here a u8 array is a float per element,
// so 8-bit state saves no memory on gpu.js: it is for running the same optimizer on every backend.)
import { ADAMW8BIT_BLOCKSIZE, checkAdamw8bitArgs } from '@lora/core';
import type { KernelThis } from '../../runner.js';
import type { TextureArray, TextureRecord } from '../arrays.js';
import { cells, constantRecord, type DeviceContext, type DeviceKernels, FLT_MAX, own } from './common.js';

type NoConstants = Record<string, never>;

// (n): β·(code[c]·absmax) + (1 − β)·g, g² for v (power 2); 0 for a non-finite gradient
function momentCell(
  this: KernelThis<NoConstants>,
  grad: Float32Array,
  gOff: number,
  state: Float32Array,
  sOff: number,
  absmax: Float32Array,
  aOff: number,
  code: Float32Array,
  scale: Float32Array,
  scaleOff: number,
  beta: number,
  rest: number,
  power: number,
  fmax: number,
): number {
  const i = this.thread.x;
  const raw = grad[gOff + i]!;
  let finite = 0;
  if (Math.abs(raw) <= fmax) finite = 1; // false for NaN, unlike > fmax
  if (finite < 0.5) return 0;
  const g = raw * scale[scaleOff]!;
  const c = state[sOff + i]!;
  const old = code[c]! * absmax[aOff + Math.floor(i / 256)]!; // i / 256 is exact below 2^24
  if (power > 1.5) return beta * old + rest * g * g;
  return beta * old + rest * g;
}

// (blocks): the block's new max |s|; the old absmax when the scale is not finite
function absmaxCell(
  this: KernelThis<NoConstants>,
  s: Float32Array,
  absmax: Float32Array,
  aOff: number,
  scale: Float32Array,
  scaleOff: number,
  n: number,
  fmax: number,
): number {
  const b = this.thread.x;
  let finite = 0;
  if (Math.abs(scale[scaleOff]!) <= fmax) finite = 1;
  if (finite < 0.5) return absmax[aOff + b]!;
  let best = 0;
  for (let j = 0; j < 256; j++) {
    const i = b * 256 + j;
    if (i < n) best = Math.max(best, Math.abs(s[i]!));
  }
  return best;
}

// (n): p + stepSize · m / (√v + eps·c2), then · decay; the old p for a non-finite gradient or scale
function paramCell(
  this: KernelThis<NoConstants>,
  p: Float32Array,
  pOff: number,
  grad: Float32Array,
  gOff: number,
  m: Float32Array,
  v: Float32Array,
  scale: Float32Array,
  scaleOff: number,
  stepSize: number,
  epsScaled: number,
  decay: number,
  fmax: number,
): number {
  const i = this.thread.x;
  const old = p[pOff + i]!;
  let finite = 0;
  if (Math.abs(scale[scaleOff]!) <= fmax && Math.abs(grad[gOff + i]!) <= fmax) finite = 1;
  if (finite < 0.5) return old;
  let next = old + stepSize * (m[i]! / (Math.sqrt(v[i]!) + epsScaled));
  if (decay !== 1) next = next * decay;
  return next;
}

// (n): the code of s / the block's new absmax in `code` (signed 1: lower bound −1, the sign of s kept; 0: lower
// bound 0); the old code when the scale is not finite
function codeCell(
  this: KernelThis<NoConstants>,
  s: Float32Array,
  newMax: Float32Array,
  code: Float32Array,
  state: Float32Array,
  sOff: number,
  scale: Float32Array,
  scaleOff: number,
  signed: number,
  fmax: number,
): number {
  const i = this.thread.x;
  let finite = 0;
  if (Math.abs(scale[scaleOff]!) <= fmax) finite = 1;
  if (finite < 0.5) return state[sOff + i]!;
  const value = s[i]!;
  const top = newMax[Math.floor(i / 256)]!;
  let x = 0;
  if (top > 0) x = value / top;
  let pivot = 127;
  let upperPivot = 255;
  let lowerPivot = 0;
  let lower = 0;
  if (signed > 0.5) lower = -1;
  let upper = 1;
  let val = code[pivot]!;
  let step = 64;
  for (let k = 0; k < 7; k++) {
    if (x > val) {
      lowerPivot = pivot;
      lower = val;
      pivot = pivot + step;
    } else {
      upperPivot = pivot;
      upper = val;
      pivot = pivot - step;
    }
    val = code[pivot]!;
    step = step / 2;
  }
  let c = pivot;
  if (x > val) {
    if (x > (upper + val) * 0.5) c = upperPivot;
  } else if (x < (lower + val) * 0.5) {
    c = lowerPivot;
  }
  if (signed > 0.5) {
    let codeNegative = 0;
    if (code[c]! < 0) codeNegative = 1;
    let valueNegative = 0;
    if (value < 0) valueNegative = 1;
    if (value === 0 && 1 / value < 0) valueNegative = 1; // −0, where the GPU's division keeps IEEE signs
    if (codeNegative !== valueNegative) {
      if (value > 0) c = c + 1;
      else c = c - 1;
    }
  }
  return c;
}

interface Moment {
  state: TextureArray;
  absmax: TextureArray;
  code: TextureArray;
  beta: number;
  rest: number;
  power: number;
}

export const ADAMW8BIT_KERNELS = {
  adamw8bit(gx, args) {
    checkAdamw8bitArgs(args);
    const { n, step, lr } = args;
    const k = 'adamw8bit';
    const [param, grad] = [own(gx, args.param, k, 'param'), own(gx, args.grad, k, 'grad')];
    const scale = args.gradScale ? own(gx, args.gradScale, k, 'gradScale') : undefined;
    // the kernel's float32 scalars, as the reference computes them
    const f = Math.fround;
    const [beta1, beta2] = [f(args.beta1), f(args.beta2)];
    const moments: Moment[] = [
      {
        state: own(gx, args.state1, k, 'state1'),
        absmax: own(gx, args.absmax1, k, 'absmax1'),
        code: own(gx, args.qmap1, k, 'qmap1'),
        beta: beta1,
        rest: f(1 - beta1),
        power: 1,
      },
      {
        state: own(gx, args.state2, k, 'state2'),
        absmax: own(gx, args.absmax2, k, 'absmax2'),
        code: own(gx, args.qmap2, k, 'qmap2'),
        beta: beta2,
        rest: f(1 - beta2),
        power: 2,
      },
    ];
    if (n === 0) return;
    const blocks = Math.ceil(n / ADAMW8BIT_BLOCKSIZE);
    const scaleRecord = scale ?? constantRecord(gx, 'one', Float32Array.of(1));
    const scaleOff = scale ? scale.offset : 0;
    const c1 = 1 - args.beta1 ** step;
    const c2 = Math.sqrt(1 - args.beta2 ** step);
    const [newM, newV] = moments.map((m) => momentOf(gx, m, grad, scaleRecord, scaleOff, n));
    const maxima = [newM!, newV!].map((s, j) =>
      gx.ex.compute(
        blocks,
        cells('adamw8bit.absmax', absmaxCell, blocks, [
          ['s', s],
          ['absmax', moments[j]!.absmax],
          ['aOff', moments[j]!.absmax.offset],
          ['scale', scaleRecord],
          ['scaleOff', scaleOff],
          ['n', n],
          ['fmax', FLT_MAX],
        ]),
      ),
    );
    const newParam = gx.ex.compute(
      n,
      cells('adamw8bit.param', paramCell, n, [
        ['p', param],
        ['pOff', param.offset],
        ['grad', grad],
        ['gOff', grad.offset],
        ['m', newM!],
        ['v', newV!],
        ['scale', scaleRecord],
        ['scaleOff', scaleOff],
        ['stepSize', f((-lr * c2) / c1)],
        ['epsScaled', f(args.eps * c2)],
        ['decay', args.weightDecay > 0 ? f(1 - lr * args.weightDecay) : 1],
        ['fmax', FLT_MAX],
      ]),
    );
    const codes = [newM!, newV!].map((s, j) =>
      gx.ex.compute(
        n,
        cells('adamw8bit.code', codeCell, n, [
          ['s', s],
          ['newMax', maxima[j]!],
          ['code', moments[j]!.code],
          ['state', moments[j]!.state],
          ['sOff', moments[j]!.state.offset],
          ['scale', scaleRecord],
          ['scaleOff', scaleOff],
          ['signed', j === 0 ? 1 : 0],
          ['fmax', FLT_MAX],
        ]),
      ),
    );
    gx.ex.drop(newM!);
    gx.ex.drop(newV!);
    gx.ex.commit(param, newParam);
    moments.forEach((m, j) => {
      gx.ex.commit(m.state, codes[j]!);
      gx.ex.commit(m.absmax, maxima[j]!);
    });
  },
} satisfies DeviceKernels;

/** (n) scratch: each element's new moment. */
function momentOf(
  gx: DeviceContext,
  m: Moment,
  grad: TextureArray,
  scale: TextureArray | TextureRecord,
  scaleOff: number,
  n: number,
): TextureRecord {
  return gx.ex.compute(
    n,
    cells('adamw8bit.moment', momentCell, n, [
      ['grad', grad],
      ['gOff', grad.offset],
      ['state', m.state],
      ['sOff', m.state.offset],
      ['absmax', m.absmax],
      ['aOff', m.absmax.offset],
      ['code', m.code],
      ['scale', scale],
      ['scaleOff', scaleOff],
      ['beta', m.beta],
      ['rest', m.rest],
      ['power', m.power],
      ['fmax', FLT_MAX],
    ]),
  );
}

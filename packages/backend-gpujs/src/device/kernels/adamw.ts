// AdamW on device arrays (torch.optim.AdamW, _single_tensor_adamw, amsgrad off, in torch's operation order): the new
// m and v into scratch from the old, then param from the new m and v, then all three committed. gradScale (the
// clip factor gradClip wrote) scales the gradient in the kernel; a non-finite one leaves param, m and v as they were.
import { checkAdamwArgs } from '@lora/core';
import type { KernelThis } from '../../runner.js';
import { cells, constantRecord, type DeviceKernels, FLT_MAX, own } from './common.js';

type NoConstants = Record<string, never>;

// (n): β·s + (1 − β)·f(g), f(g) = g for m (power 1) and g² for v (power 2), g = grad · scale; the old s when the
// scale is not finite. 1 − β arrives computed in float64, as torch rounds it (1 − f32(0.9) is not f32(0.1)).
function momentCell(
  this: KernelThis<NoConstants>,
  s: Float32Array,
  sOff: number,
  grad: Float32Array,
  gradOff: number,
  scale: Float32Array,
  scaleOff: number,
  beta: number,
  rest: number,
  power: number,
  fmax: number,
): number {
  const i = this.thread.x;
  const factor = scale[scaleOff]!;
  const old = s[sOff + i]!;
  let finite = 0;
  if (Math.abs(factor) <= fmax) finite = 1;
  if (finite < 0.5) return old;
  const g = grad[gradOff + i]! * factor;
  if (power > 1.5) return beta * old + rest * g * g;
  return beta * old + rest * g;
}

// (n): p·(1 − lr·wd) − stepSize · m / (√v / √(1 − β2^t) + eps), from the new m and v
function paramCell(
  this: KernelThis<NoConstants>,
  p: Float32Array,
  pOff: number,
  m: Float32Array,
  v: Float32Array,
  scale: Float32Array,
  scaleOff: number,
  decay: number,
  stepSize: number,
  bias2Sqrt: number,
  eps: number,
  fmax: number,
): number {
  const i = this.thread.x;
  const old = p[pOff + i]!;
  let finite = 0;
  if (Math.abs(scale[scaleOff]!) <= fmax) finite = 1;
  if (finite < 0.5) return old;
  const decayed = old * decay;
  return decayed - stepSize * (m[i]! / (Math.sqrt(v[i]!) / bias2Sqrt + eps));
}

export const ADAMW_KERNELS = {
  adamw(gx, args) {
    checkAdamwArgs(args);
    const { n, step, lr, beta1, beta2, eps, weightDecay } = args;
    const k = 'adamw';
    const [param, grad] = [own(gx, args.param, k, 'param'), own(gx, args.grad, k, 'grad')];
    const [m, v] = [own(gx, args.m, k, 'm'), own(gx, args.v, k, 'v')];
    const scale = args.gradScale ? own(gx, args.gradScale, k, 'gradScale') : undefined;
    if (n === 0) return;
    const scaleRecord = scale ?? constantRecord(gx, 'one', Float32Array.of(1));
    const scaleOff = scale ? scale.offset : 0;
    const moment = (s: typeof m, beta: number, power: number) =>
      gx.ex.compute(
        n,
        cells('adamw.moment', momentCell, n, [
          ['s', s],
          ['sOff', s.offset],
          ['grad', grad],
          ['gradOff', grad.offset],
          ['scale', scaleRecord],
          ['scaleOff', scaleOff],
          ['beta', beta],
          ['rest', 1 - beta],
          ['power', power],
          ['fmax', FLT_MAX],
        ]),
      );
    const newM = moment(m, beta1, 1);
    const newV = moment(v, beta2, 2);
    const newP = gx.ex.compute(
      n,
      cells('adamw.param', paramCell, n, [
        ['p', param],
        ['pOff', param.offset],
        ['m', newM],
        ['v', newV],
        ['scale', scaleRecord],
        ['scaleOff', scaleOff],
        ['decay', 1 - lr * weightDecay],
        ['stepSize', lr / (1 - beta1 ** step)],
        ['bias2Sqrt', Math.sqrt(1 - beta2 ** step)],
        ['eps', eps],
        ['fmax', FLT_MAX],
      ]),
    );
    gx.ex.commit(param, newP);
    gx.ex.commit(m, newM);
    gx.ex.commit(v, newV);
  },
} satisfies DeviceKernels;

// SGD on device arrays (torch.optim.SGD at momentum 0, Hugging Face's default): weight decay added to the gradient,
// then p − lr·g, one cell per element. gradScale (the clip factor gradClip wrote) scales the gradient in the kernel;
// a non-finite one leaves param as it was.
import { checkSgdArgs } from '@lora/core';
import type { KernelThis } from '../../runner.js';
import { cells, constantRecord, type DeviceKernels, FLT_MAX, own } from './common.js';

type NoConstants = Record<string, never>;

// (n): p − lr · (g·scale + wd·p); the old p when the scale is not finite
function sgdCell(
  this: KernelThis<NoConstants>,
  p: Float32Array,
  pOff: number,
  grad: Float32Array,
  gradOff: number,
  scale: Float32Array,
  scaleOff: number,
  lr: number,
  wd: number,
  fmax: number,
): number {
  const i = this.thread.x;
  const factor = scale[scaleOff]!;
  const old = p[pOff + i]!;
  let finite = 0;
  if (Math.abs(factor) <= fmax) finite = 1;
  if (finite < 0.5) return old;
  const g = grad[gradOff + i]! * factor + wd * old;
  return old - lr * g;
}

export const SGD_KERNELS = {
  sgd(gx, args) {
    checkSgdArgs(args);
    const { n, lr, weightDecay } = args;
    const k = 'sgd';
    const [param, grad] = [own(gx, args.param, k, 'param'), own(gx, args.grad, k, 'grad')];
    const scale = args.gradScale ? own(gx, args.gradScale, k, 'gradScale') : undefined;
    if (n === 0) return;
    const newP = gx.ex.compute(
      n,
      cells('sgd', sgdCell, n, [
        ['p', param],
        ['pOff', param.offset],
        ['grad', grad],
        ['gradOff', grad.offset],
        ['scale', scale ?? constantRecord(gx, 'one', Float32Array.of(1))],
        ['scaleOff', scale ? scale.offset : 0],
        ['lr', Math.fround(lr)],
        ['wd', Math.fround(weightDecay)],
        ['fmax', FLT_MAX],
      ]),
    );
    gx.ex.commit(param, newP);
  },
} satisfies DeviceKernels;

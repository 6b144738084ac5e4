// One SGD step (torch.optim.SGD at momentum 0, Hugging Face's default) on webgpu, one invocation per element: weight
// decay added to the gradient, then p − lr·g. With gradScale the factor is read on the device (gradClip writes it
// there); a non-finite one skips the update.
import { checkSgdArgs, type SgdArgs } from '@lora/core';
import type { WebGpuState } from '../state.js';
import { flatProgram, NON_FINITE, runFlat } from './flat-program.js';

const SGD = flatProgram(
  'sgd',
  [
    { name: 'param', type: 'f32', write: true },
    { name: 'grad', type: 'f32' },
    { name: 'gradScale', type: 'f32', optional: true },
  ],
  [
    { name: 'scaled', type: 'u32' }, // 1 when gradScale is given
    { name: 'lr', type: 'f32' },
    { name: 'weightDecay', type: 'f32' },
  ],
  `var g = ld_grad(i);
  if (p.scaled != 0u) {
    let factor = ld_gradScale(0u);
    if (non_finite(factor)) { return; }
    g = g * factor;
  }
  let param = ld_param(i);
  g = g + p.weightDecay * param;
  st_param(i, param - p.lr * g);`,
  NON_FINITE,
);

export function sgd(gpu: WebGpuState, args: SgdArgs): void {
  checkSgdArgs(args);
  const { lr, weightDecay, n, gradScale } = args;
  runFlat(
    gpu,
    SGD,
    { param: args.param, grad: args.grad, gradScale },
    { n, scaled: gradScale === undefined ? 0 : 1, lr, weightDecay },
  );
}

// One AdamW step (torch.optim.AdamW, amsgrad off) on webgpu, in torch's operation order, one invocation per element.
// The step's scalars (decay, bias corrections) are computed once on the host in float64 and passed as uniforms.
// With gradScale the factor is read on the device (it is written there by gradClip); a non-finite one skips the
// update, so a step whose gradients overflowed changes nothing.
import { type AdamwArgs, checkAdamwArgs } from '@lora/core';
import type { WebGpuState } from '../state.js';
import { flatProgram, NON_FINITE, runFlat } from './flat-program.js';

const ADAMW = flatProgram(
  'adamw',
  [
    { name: 'param', type: 'f32', write: true },
    { name: 'grad', type: 'f32' },
    { name: 'm', type: 'f32', write: true },
    { name: 'v', type: 'f32', write: true },
    { name: 'gradScale', type: 'f32', optional: true },
  ],
  [
    { name: 'scaled', type: 'u32' }, // 1 when gradScale is given
    { name: 'decay', type: 'f32' }, // 1 − lr · weightDecay
    { name: 'beta1', type: 'f32' },
    { name: 'oneMinusBeta1', type: 'f32' },
    { name: 'beta2', type: 'f32' },
    { name: 'oneMinusBeta2', type: 'f32' },
    { name: 'stepSize', type: 'f32' }, // lr / (1 − β1^t)
    { name: 'bias2Sqrt', type: 'f32' }, // √(1 − β2^t)
    { name: 'eps', type: 'f32' },
  ],
  `var g = ld_grad(i);
  if (p.scaled != 0u) {
    let factor = ld_gradScale(0u);
    if (non_finite(factor)) { return; }
    g = g * factor;
  }
  let param = ld_param(i) * p.decay;
  let m = p.beta1 * ld_m(i) + p.oneMinusBeta1 * g;
  let v = p.beta2 * ld_v(i) + p.oneMinusBeta2 * g * g;
  st_m(i, m);
  st_v(i, v);
  st_param(i, param - p.stepSize * (m / (sqrt(v) / p.bias2Sqrt + p.eps)));`,
  NON_FINITE,
);

export function adamw(gpu: WebGpuState, args: AdamwArgs): void {
  checkAdamwArgs(args);
  const { step, lr, beta1, beta2, eps, weightDecay, n, gradScale } = args;
  runFlat(
    gpu,
    ADAMW,
    { param: args.param, grad: args.grad, m: args.m, v: args.v, gradScale },
    {
      n,
      scaled: gradScale === undefined ? 0 : 1,
      decay: 1 - lr * weightDecay,
      beta1,
      oneMinusBeta1: 1 - beta1,
      beta2,
      oneMinusBeta2: 1 - beta2,
      stepSize: lr / (1 - beta1 ** step),
      bias2Sqrt: Math.sqrt(1 - beta2 ** step),
      eps,
    },
  );
}

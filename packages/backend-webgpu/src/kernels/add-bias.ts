// x[r, :] += bias (nn.Linear's bias) on webgpu, one invocation per element of x.
import { type AddBiasArgs, checkAddBiasArgs } from '@lora/core';
import type { WebGpuState } from '../state.js';
import { flatProgram, runFlat } from './flat-program.js';

const ADD_BIAS = flatProgram(
  'addBias',
  [
    { name: 'x', type: 'f32', write: true },
    { name: 'bias', type: 'f32' },
  ],
  [{ name: 'cols', type: 'u32' }],
  'st_x(i, ld_x(i) + ld_bias(i % p.cols)); // (T, C)',
);

export function addBias(gpu: WebGpuState, args: AddBiasArgs): void {
  checkAddBiasArgs(args);
  runFlat(gpu, ADD_BIAS, { x: args.x, bias: args.bias }, { n: args.rows * args.cols, cols: args.cols });
}

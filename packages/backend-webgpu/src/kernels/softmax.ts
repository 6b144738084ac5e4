// Row softmax and its backward: one segment of invocations per row (row-reduce.ts), max then Σ exp then the write.
import {
  checkSoftmaxArgs,
  checkSoftmaxBackwardArgs,
  type SoftmaxArgs,
  type SoftmaxBackwardArgs,
} from '@lora/core';
import type { WebGpuState } from '../state.js';
import { rowLayout, rowProgram } from './row-reduce.js';

/** y = exp(x − max) · (1 / Σ exp(x − max)); the max starts from the row's first element, so −∞ stays −∞. */
const SOFTMAX = rowProgram(
  'softmax',
  [
    { name: 'x', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
  ],
  [],
  `  var m = 0.0;
  if (s.live) {
    m = ld_x(base);
    for (var c = s.lane; c < p.cols; c += p.tpr) { m = max(m, ld_x(base + c)); } // (T, C)
  }
  m = seg_max(m, li);
  var sum = 0.0;
  if (s.live) {
    for (var c = s.lane; c < p.cols; c += p.tpr) { sum += exp_sub(ld_x(base + c), m); }
  }
  sum = seg_sum(sum, li);
  if (s.live) {
    let inv = 1.0 / sum;
    for (var c = s.lane; c < p.cols; c += p.tpr) { st_out(base + c, exp_sub(ld_x(base + c), m) * inv); } // (T, C)
  }`,
);

/** dx = y ⊙ (dy − Σ y·dy). */
const SOFTMAX_BACKWARD = rowProgram(
  'softmaxBackward',
  [
    { name: 'y', type: 'f32' },
    { name: 'dy', type: 'f32' },
    { name: 'dx', type: 'f32', write: true },
  ],
  [],
  `  var dot = 0.0;
  if (s.live) {
    for (var c = s.lane; c < p.cols; c += p.tpr) { dot += ld_y(base + c) * ld_dy(base + c); }
  }
  dot = seg_sum(dot, li);
  if (s.live) {
    for (var c = s.lane; c < p.cols; c += p.tpr) { st_dx(base + c, ld_y(base + c) * (ld_dy(base + c) - dot)); } // (T, C)
  }`,
);

export function softmax(gpu: WebGpuState, args: SoftmaxArgs): void {
  checkSoftmaxArgs(args);
  const { rows, cols } = args;
  if (cols === 0) return;
  const { tpr, groups } = rowLayout(rows, cols);
  gpu.programs.run(SOFTMAX, { x: args.x, out: args.out }, { rows, cols, tpr }, groups);
}

export function softmaxBackward(gpu: WebGpuState, args: SoftmaxBackwardArgs): void {
  checkSoftmaxBackwardArgs(args);
  const { rows, cols } = args;
  if (cols === 0) return;
  const { tpr, groups } = rowLayout(rows, cols);
  gpu.programs.run(SOFTMAX_BACKWARD, { y: args.y, dy: args.dy, dx: args.dx }, { rows, cols, tpr }, groups);
}

// RMSNorm (transformers LlamaRMSNorm; GemmaRMSNorm with weightOffset 1) and its backward: one segment of
// invocations per row (row-reduce.ts); the weight gradient is a separate column reduction (column-reduce.ts).
import {
  checkRmsnormArgs,
  checkRmsnormBackwardArgs,
  type RmsnormArgs,
  type RmsnormBackwardArgs,
} from '@lora/core';
import type { WebGpuState } from '../state.js';
import { columnGroups, columnProgram } from './column-reduce.js';
import { rowLayout, rowProgram } from './row-reduce.js';

/** out = x · rstd · (weightOffset + w), rstd = 1 / √(mean(x²) + eps), written by lane 0. */
const RMSNORM = rowProgram(
  'rmsnorm',
  [
    { name: 'x', type: 'f32' },
    { name: 'weight', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
    { name: 'rstd', type: 'f32', write: true },
  ],
  [
    { name: 'eps', type: 'f32' },
    { name: 'w_offset', type: 'f32' },
  ],
  `  var ss = 0.0;
  if (s.live) {
    for (var c = s.lane; c < p.cols; c += p.tpr) { let v = ld_x(base + c); ss += v * v; }
  }
  ss = seg_sum(ss, li);
  if (s.live) {
    let rs = 1.0 / sqrt(ss / f32(p.cols) + p.eps);
    if (s.lane == 0u) { st_rstd(s.row, rs); } // (T)
    for (var c = s.lane; c < p.cols; c += p.tpr) {
      st_out(base + c, ld_x(base + c) * rs * (p.w_offset + ld_weight(c))); // (T, C)
    }
  }`,
);

/** g = dout · (weightOffset + w), x̂ = x · rstd: dx = rstd · (g − x̂ · mean(g · x̂)). */
const RMSNORM_BACKWARD = rowProgram(
  'rmsnormBackward',
  [
    { name: 'dout', type: 'f32' },
    { name: 'x', type: 'f32' },
    { name: 'weight', type: 'f32' },
    { name: 'rstd', type: 'f32' },
    { name: 'dx', type: 'f32', write: true },
  ],
  [{ name: 'w_offset', type: 'f32' }],
  `  var rs = 0.0;
  var dot = 0.0;
  if (s.live) {
    rs = ld_rstd(s.row);
    for (var c = s.lane; c < p.cols; c += p.tpr) {
      dot += ld_dout(base + c) * (p.w_offset + ld_weight(c)) * ld_x(base + c) * rs;
    }
  }
  dot = seg_sum(dot, li);
  if (s.live) {
    let mean = dot / f32(p.cols);
    for (var c = s.lane; c < p.cols; c += p.tpr) {
      let g = ld_dout(base + c) * (p.w_offset + ld_weight(c));
      st_dx(base + c, rs * (g - ld_x(base + c) * rs * mean)); // (T, C)
    }
  }`,
);

/** dweight += Σ_rows dout · x · rstd. */
const RMSNORM_DWEIGHT = columnProgram(
  'rmsnormBackward:dweight',
  [
    { name: 'dout', type: 'f32' },
    { name: 'x', type: 'f32' },
    { name: 'rstd', type: 'f32' },
    { name: 'dweight', type: 'f32', write: true },
  ],
  [{ out: 'dweight', term: 'ld_dout(i) * (ld_x(i) * ld_rstd(r))' }],
);

export function rmsnorm(gpu: WebGpuState, args: RmsnormArgs): void {
  checkRmsnormArgs(args);
  const { rows, cols, eps } = args;
  if (cols === 0) return;
  const { tpr, groups } = rowLayout(rows, cols);
  gpu.programs.run(
    RMSNORM,
    { x: args.x, weight: args.weight, out: args.out, rstd: args.rstd },
    { rows, cols, tpr, eps, w_offset: args.weightOffset ?? 0 },
    groups,
  );
}

export function rmsnormBackward(gpu: WebGpuState, args: RmsnormBackwardArgs): void {
  checkRmsnormBackwardArgs(args);
  const { rows, cols, dout, x, rstd } = args;
  if (cols === 0) return;
  // the weight gradient first: it reads dout and x before dx is written (in case a caller lets them share memory)
  if (args.dweightAccumulate)
    gpu.programs.run(
      RMSNORM_DWEIGHT,
      { dout, x, rstd, dweight: args.dweightAccumulate },
      { rows, cols },
      columnGroups(cols),
    );
  const { tpr, groups } = rowLayout(rows, cols);
  gpu.programs.run(
    RMSNORM_BACKWARD,
    { dout, x, weight: args.weight, rstd, dx: args.dx },
    { rows, cols, tpr, w_offset: args.weightOffset ?? 0 },
    groups,
  );
}

// LayerNorm (torch layer_norm, biased variance) and its backward (llm.c layernorm_backward): one segment of
// invocations per row (row-reduce.ts); weight and bias gradients are a separate column reduction (column-reduce.ts).
import {
  checkLayernormArgs,
  checkLayernormBackwardArgs,
  type LayernormArgs,
  type LayernormBackwardArgs,
} from '@lora/core';
import type { ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';
import { type ColumnTerm, columnGroups, columnProgram } from './column-reduce.js';
import { rowLayout, rowProgram, WG } from './row-reduce.js';

/** mean, then Σ (x − mean)² in a second pass (no E[x²] − E[x]² cancellation); lane 0 writes mean and rstd. */
const LAYERNORM = rowProgram(
  'layernorm',
  [
    { name: 'x', type: 'f32' },
    { name: 'weight', type: 'f32' },
    { name: 'bias', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
    { name: 'mean', type: 'f32', write: true },
    { name: 'rstd', type: 'f32', write: true },
  ],
  [{ name: 'eps', type: 'f32' }],
  `  var sum = 0.0;
  if (s.live) {
    for (var c = s.lane; c < p.cols; c += p.tpr) { sum += ld_x(base + c); }
  }
  let mu = seg_sum(sum, li) / f32(p.cols);
  var ss = 0.0;
  if (s.live) {
    for (var c = s.lane; c < p.cols; c += p.tpr) { let d = ld_x(base + c) - mu; ss += d * d; }
  }
  ss = seg_sum(ss, li);
  if (s.live) {
    let rs = 1.0 / sqrt(ss / f32(p.cols) + p.eps);
    if (s.lane == 0u) {
      st_mean(s.row, mu); // (T)
      st_rstd(s.row, rs); // (T)
    }
    for (var c = s.lane; c < p.cols; c += p.tpr) {
      st_out(base + c, (ld_x(base + c) - mu) * rs * ld_weight(c) + ld_bias(c)); // (T, C)
    }
  }`,
);

/** g = dout · w, x̂ = (x − mean) · rstd: dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)); both means in one tree. */
const LAYERNORM_BACKWARD = rowProgram(
  'layernormBackward',
  [
    { name: 'dout', type: 'f32' },
    { name: 'x', type: 'f32' },
    { name: 'weight', type: 'f32' },
    { name: 'mean', type: 'f32' },
    { name: 'rstd', type: 'f32' },
    { name: 'dx', type: 'f32', write: true },
  ],
  [],
  `  var mu = 0.0;
  var rs = 0.0;
  var acc = vec2f(0.0);
  if (s.live) {
    mu = ld_mean(s.row);
    rs = ld_rstd(s.row);
    for (var c = s.lane; c < p.cols; c += p.tpr) {
      let g = ld_dout(base + c) * ld_weight(c);
      acc += vec2f(g, g * (ld_x(base + c) - mu) * rs);
    }
  }
  let means = seg_sum2(acc, li) / f32(p.cols);
  if (s.live) {
    for (var c = s.lane; c < p.cols; c += p.tpr) {
      let xhat = (ld_x(base + c) - mu) * rs;
      st_dx(base + c, rs * (ld_dout(base + c) * ld_weight(c) - means.x - xhat * means.y)); // (T, C)
    }
  }`,
  `
var<workgroup> red2: array<vec2f, ${WG}>;
fn seg_sum2(v: vec2f, li: u32) -> vec2f {
  red2[li] = v;
  workgroupBarrier();
  for (var s = p.tpr >> 1u; s > 0u; s = s >> 1u) {
    if ((li & (p.tpr - 1u)) < s) { red2[li] = red2[li] + red2[li + s]; }
    workgroupBarrier();
  }
  let total = red2[li & ~(p.tpr - 1u)];
  workgroupBarrier();
  return total;
}
`,
);

const COLUMN_INPUTS: ProgramSpec['arrays'] = [
  { name: 'dout', type: 'f32' },
  { name: 'x', type: 'f32' },
  { name: 'mean', type: 'f32' },
  { name: 'rstd', type: 'f32' },
];
const DWEIGHT: ColumnTerm = { out: 'dweight', term: 'ld_dout(i) * ((ld_x(i) - ld_mean(r)) * ld_rstd(r))' };
const DBIAS: ColumnTerm = { out: 'dbias', term: 'ld_dout(i)' };
const DWEIGHT_OUT = { name: 'dweight', type: 'f32', write: true } as const;
const DBIAS_OUT = { name: 'dbias', type: 'f32', write: true } as const;

/** dweight += Σ_rows dout · x̂ and/or dbias += Σ_rows dout, by which are given. */
const COLUMNS = {
  both: columnProgram(
    'layernormBackward:dweight+dbias',
    [...COLUMN_INPUTS, DWEIGHT_OUT, DBIAS_OUT],
    [DWEIGHT, DBIAS],
  ),
  dweight: columnProgram('layernormBackward:dweight', [...COLUMN_INPUTS, DWEIGHT_OUT], [DWEIGHT]),
  dbias: columnProgram('layernormBackward:dbias', [...COLUMN_INPUTS, DBIAS_OUT], [DBIAS]),
};

export function layernorm(gpu: WebGpuState, args: LayernormArgs): void {
  checkLayernormArgs(args);
  const { rows, cols, eps } = args;
  if (cols === 0) return;
  const { tpr, groups } = rowLayout(rows, cols);
  gpu.programs.run(
    LAYERNORM,
    { x: args.x, weight: args.weight, bias: args.bias, out: args.out, mean: args.mean, rstd: args.rstd },
    { rows, cols, tpr, eps },
    groups,
  );
}

export function layernormBackward(gpu: WebGpuState, args: LayernormBackwardArgs): void {
  checkLayernormBackwardArgs(args);
  const { rows, cols, dout, x, mean, rstd } = args;
  if (cols === 0) return;
  const dweight = args.dweightAccumulate;
  const dbias = args.dbiasAccumulate;
  const columns =
    dweight && dbias ? COLUMNS.both : dweight ? COLUMNS.dweight : dbias ? COLUMNS.dbias : undefined;
  // the parameter gradients first: they read dout and x before dx is written
  if (columns)
    gpu.programs.run(columns, { dout, x, mean, rstd, dweight, dbias }, { rows, cols }, columnGroups(cols));
  const { tpr, groups } = rowLayout(rows, cols);
  gpu.programs.run(
    LAYERNORM_BACKWARD,
    { dout, x, weight: args.weight, mean, rstd, dx: args.dx },
    { rows, cols, tpr },
    groups,
  );
}

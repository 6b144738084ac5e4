// The running argmax over vocab chunks (one segment of invocations per row, row-reduce.ts) and the cross-entropy
// totals (one workgroup over all rows: a step has a few thousand), so a step's loss is reduced where the logits are.
import {
  type ArgmaxChunkArgs,
  type CrossEntropyStatsArgs,
  checkArgmaxChunkArgs,
  checkCrossEntropyStatsArgs,
} from '@lora/core';
import type { ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';
import { rowLayout, rowProgram, WG } from './row-reduce.js';

/**
 * Each lane keeps its first largest logit above −∞ (NaN never wins, as in the reference's `v > best`); the tree
 * keeps the larger value, on ties the smaller column, so the row's first maximum wins. NONE: no candidate.
 */
const ARGMAX_CHUNK = rowProgram(
  'argmaxChunk',
  [
    { name: 'logits', type: 'f32' },
    { name: 'bestValue', type: 'f32', write: true },
    { name: 'bestIndex', type: 'i32', write: true },
  ],
  [{ name: 'vocab_start', type: 'u32' }],
  `  var bv = 0.0;
  var bi = NONE;
  if (s.live) {
    for (var c = s.lane; c < p.cols; c += p.tpr) {
      let v = ld_logits(base + c);
      if (above_neg_inf(v) && (bi == NONE || v > bv)) { bv = v; bi = c; }
    }
  }
  red[li] = bv;
  red_i[li] = bi;
  workgroupBarrier();
  for (var h = p.tpr >> 1u; h > 0u; h = h >> 1u) {
    if ((li & (p.tpr - 1u)) < h && better(red[li + h], red_i[li + h], red[li], red_i[li])) {
      red[li] = red[li + h];
      red_i[li] = red_i[li + h];
    }
    workgroupBarrier();
  }
  if (s.live && s.lane == 0u) {
    let v = red[li];
    let c = red_i[li];
    if (c != NONE && v > ld_bestValue(s.row)) {
      st_bestValue(s.row, v); // (T)
      st_bestIndex(s.row, i32(p.vocab_start + c)); // (T)
    }
  }`,
  `
const NONE = 0xffffffffu;
var<workgroup> red_i: array<u32, ${WG}>;
fn above_neg_inf(v: f32) -> bool {
  let b = bitcast<u32>(v);
  return b != 0xff800000u && (b & 0x7fffffffu) <= 0x7f800000u; // not −∞, not NaN
}
fn better(v: f32, i: u32, bv: f32, bi: u32) -> bool {
  if (i == NONE) { return false; }
  if (bi == NONE) { return true; }
  return v > bv || (v == bv && i < bi);
}
`,
);

/**
 * lse = runningMax + log(runningSum) per row; over rows with a target ≥ 0, the loss Σ (lse − targetLogit), the
 * token count and the hits (bestIndex == target), each invocation over every WG-th row, then a fixed tree; lane 0
 * adds the totals into stats.
 */
const CROSS_ENTROPY_STATS: ProgramSpec = {
  key: 'crossEntropyStats',
  arrays: [
    { name: 'targets', type: 'i32' },
    { name: 'runningMax', type: 'f32' },
    { name: 'runningSum', type: 'f32' },
    { name: 'targetLogit', type: 'f32' },
    { name: 'bestIndex', type: 'i32' },
    { name: 'lse', type: 'f32', write: true },
    { name: 'stats', type: 'f32', write: true },
  ],
  uniforms: [{ name: 'rows', type: 'u32' }],
  body: `
var<workgroup> red_loss: array<f32, ${WG}>;
var<workgroup> red_n: array<vec2u, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) li: u32) {
  var loss = 0.0;
  var n = vec2u(0u); // tokens, hits
  for (var r = li; r < p.rows; r += ${WG}u) {
    let l = ld_runningMax(r) + log(ld_runningSum(r));
    st_lse(r, l); // (T)
    let t = ld_targets(r);
    if (t >= 0) {
      loss += l - ld_targetLogit(r);
      n += vec2u(1u, select(0u, 1u, ld_bestIndex(r) == t));
    }
  }
  red_loss[li] = loss;
  red_n[li] = n;
  workgroupBarrier();
  for (var h = ${WG / 2}u; h > 0u; h = h >> 1u) {
    if (li < h) {
      red_loss[li] = red_loss[li] + red_loss[li + h];
      red_n[li] = red_n[li] + red_n[li + h];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    st_stats(0u, ld_stats(0u) + red_loss[0]);
    st_stats(1u, ld_stats(1u) + f32(red_n[0].x));
    st_stats(2u, ld_stats(2u) + f32(red_n[0].y));
  }
}
`,
};

export function argmaxChunk(gpu: WebGpuState, args: ArgmaxChunkArgs): void {
  checkArgmaxChunkArgs(args);
  const { rows, cols, vocabStart } = args;
  if (cols === 0) return;
  const { tpr, groups } = rowLayout(rows, cols);
  gpu.programs.run(
    ARGMAX_CHUNK,
    { logits: args.logits, bestValue: args.bestValue, bestIndex: args.bestIndex },
    { rows, cols, tpr, vocab_start: vocabStart },
    groups,
  );
}

export function crossEntropyStats(gpu: WebGpuState, args: CrossEntropyStatsArgs): void {
  checkCrossEntropyStatsArgs(args);
  const { targets, runningMax, runningSum, targetLogit, bestIndex, lse, stats } = args;
  gpu.programs.run(
    CROSS_ENTROPY_STATS,
    { targets, runningMax, runningSum, targetLogit, bestIndex, lse, stats },
    { rows: args.rows },
    [1, 1, 1],
  );
}

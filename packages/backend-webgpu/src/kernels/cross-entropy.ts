// Chunked cross-entropy with online log-sum-exp (Milakov & Gimelshein 2018): the forward folds one vocab chunk into
// each row's running max and Σ exp (one segment of invocations per row, row-reduce.ts); the backward is elementwise.
import {
  type CrossEntropyChunkArgs,
  type CrossEntropyChunkBackwardArgs,
  checkCrossEntropyChunkArgs,
  checkCrossEntropyChunkBackwardArgs,
} from '@lora/core';
import { FLAT_INDEX, groups1d, type ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';
import { rowLayout, rowProgram, WG } from './row-reduce.js';

/**
 * max = max(runningMax, chunk); unless max is −∞ (nothing seen yet): runningSum = runningSum · exp(runningMax − max)
 * + Σ exp(logit − max), runningMax = max — the reference's fold. Lane 0 alone reads and writes the running state, so
 * no invocation reads what another writes. The chunk max starts from the row's first logit, so −∞ stays −∞.
 */
const CROSS_ENTROPY_CHUNK = rowProgram(
  'crossEntropyChunk',
  [
    { name: 'logits', type: 'f32' },
    { name: 'targets', type: 'i32' },
    { name: 'runningMax', type: 'f32', write: true },
    { name: 'runningSum', type: 'f32', write: true },
    { name: 'targetLogit', type: 'f32', write: true },
  ],
  [{ name: 'vocab_start', type: 'u32' }],
  `  var m = 0.0;
  if (s.live) {
    m = ld_logits(base);
    if (s.lane == 0u) { m = max(m, ld_runningMax(s.row)); }
    for (var c = s.lane; c < p.cols; c += p.tpr) { m = max(m, ld_logits(base + c)); }
  }
  m = seg_max(m, li);
  var sum = 0.0;
  if (s.live && !neg_inf(m)) {
    for (var c = s.lane; c < p.cols; c += p.tpr) { sum += exp_sub(ld_logits(base + c), m); }
  }
  sum = seg_sum(sum, li);
  if (s.live && s.lane == 0u) {
    if (!neg_inf(m)) {
      let earlier = ld_runningSum(s.row) * exp_sub(ld_runningMax(s.row), m); // rescaled to the new max
      st_runningSum(s.row, earlier + sum); // (T)
      st_runningMax(s.row, m); // (T)
    }
    let t = ld_targets(s.row);
    if (t >= 0 && u32(t) >= p.vocab_start && u32(t) - p.vocab_start < p.cols) {
      st_targetLogit(s.row, ld_logits(base + u32(t) - p.vocab_start)); // (T)
    }
  }`,
);

/** One invocation per element: (exp(logit − lse) − [target]) · rowScale, 0 on rows with a negative target. */
const CROSS_ENTROPY_CHUNK_BACKWARD: ProgramSpec = {
  key: 'crossEntropyChunkBackward',
  arrays: [
    { name: 'logits', type: 'f32' },
    { name: 'targets', type: 'i32' },
    { name: 'lse', type: 'f32' },
    { name: 'rowScale', type: 'f32' },
    { name: 'dlogits', type: 'f32', write: true },
  ],
  uniforms: [
    { name: 'n', type: 'u32' },
    { name: 'cols', type: 'u32' },
    { name: 'vocab_start', type: 'u32' },
  ],
  body: `${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid, ${WG}u);
  if (i >= p.n) { return; }
  let r = i / p.cols;
  let c = i - r * p.cols;
  let t = ld_targets(r);
  var d = 0.0;
  if (t >= 0) {
    let l = ld_logits(i);
    var prob = select(exp(l - ld_lse(r)), 0.0, bitcast<u32>(l) == 0xff800000u);
    if (u32(t) >= p.vocab_start && u32(t) - p.vocab_start == c) { prob -= 1.0; }
    d = prob * ld_rowScale(r);
  }
  st_dlogits(i, d); // (T, cols)
}
`,
};

export function crossEntropyChunk(gpu: WebGpuState, args: CrossEntropyChunkArgs): void {
  checkCrossEntropyChunkArgs(args);
  const { rows, cols, vocabStart } = args;
  if (cols === 0) return;
  const { tpr, groups } = rowLayout(rows, cols);
  gpu.programs.run(
    CROSS_ENTROPY_CHUNK,
    {
      logits: args.logits,
      targets: args.targets,
      runningMax: args.runningMax,
      runningSum: args.runningSum,
      targetLogit: args.targetLogit,
    },
    { rows, cols, tpr, vocab_start: vocabStart },
    groups,
  );
}

export function crossEntropyChunkBackward(gpu: WebGpuState, args: CrossEntropyChunkBackwardArgs): void {
  checkCrossEntropyChunkBackwardArgs(args);
  const { rows, cols, vocabStart } = args;
  const n = rows * cols;
  gpu.programs.run(
    CROSS_ENTROPY_CHUNK_BACKWARD,
    {
      logits: args.logits,
      targets: args.targets,
      lse: args.lse,
      rowScale: args.rowScale,
      dlogits: args.dlogits,
    },
    { n, cols, vocab_start: vocabStart },
    groups1d(n, WG),
  );
}

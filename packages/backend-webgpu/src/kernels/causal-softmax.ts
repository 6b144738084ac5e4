// Masked attention softmax (transformers' eager attention: causal and padding masks as −∞, then softmax) over
// scores (blocks, H, queries, keys): one segment of invocations per query row (row-reduce.ts).
import { type CausalSoftmaxArgs, checkCausalSoftmaxArgs } from '@lora/core';
import type { WebGpuState } from '../state.js';
import { rowLayout, rowProgram } from './row-reduce.js';

/**
 * Row (b, h, i) sees keys j ≤ last = queryStart + i that the block's mask keeps; a padded query (key `last`
 * masked) gets zeros. The max starts from x[last], a key the row sees. Each element is read and written by the same
 * invocation, after every read of the row, so out may alias x.
 */
const CAUSAL_SOFTMAX = rowProgram(
  'causalSoftmax',
  [
    { name: 'x', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
    { name: 'keyMask', type: 'i32', optional: true },
    { name: 'maskOffsets', type: 'i32', optional: true },
  ],
  [
    { name: 'heads', type: 'u32' },
    { name: 'queries', type: 'u32' },
    { name: 'query_start', type: 'u32' },
    { name: 'has_mask', type: 'u32' },
  ],
  `  let block = s.row / (p.heads * p.queries);
  let last = p.query_start + s.row % p.queries; // the query's own position among the keys
  var moff = 0u;
  if (s.live && p.has_mask != 0u) { moff = u32(ld_maskOffsets(block)); }
  let seen = s.live && real(moff, last);
  var m = 0.0;
  if (seen) {
    m = ld_x(base + last);
    for (var j = s.lane; j <= last; j += p.tpr) {
      if (real(moff, j)) { m = max(m, ld_x(base + j)); }
    }
  }
  m = seg_max(m, li);
  var sum = 0.0;
  if (seen) {
    for (var j = s.lane; j <= last; j += p.tpr) {
      if (real(moff, j)) { sum += exp_sub(ld_x(base + j), m); }
    }
  }
  sum = seg_sum(sum, li);
  if (s.live) {
    let inv = 1.0 / sum;
    for (var j = s.lane; j < p.cols; j += p.tpr) {
      var y = 0.0; // masked: exactly 0
      if (seen && j <= last && real(moff, j)) { y = exp_sub(ld_x(base + j), m) * inv; }
      st_out(base + j, y); // (blocks, H, queries, keys)
    }
  }`,
  `
fn real(moff: u32, j: u32) -> bool { return p.has_mask == 0u || ld_keyMask(moff + j) != 0; }
`,
);

export function causalSoftmax(gpu: WebGpuState, args: CausalSoftmaxArgs): void {
  checkCausalSoftmaxArgs(args);
  const { blocks, heads, queries, keys, queryStart } = args;
  const rows = blocks * heads * queries;
  if (keys === 0) return;
  const { tpr, groups } = rowLayout(rows, keys);
  gpu.programs.run(
    CAUSAL_SOFTMAX,
    { x: args.x, out: args.out, keyMask: args.keyMask, maskOffsets: args.maskOffsets },
    { rows, cols: keys, tpr, heads, queries, query_start: queryStart, has_mask: args.keyMask ? 1 : 0 },
    groups,
  );
}

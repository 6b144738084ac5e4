// The strided copy of a 3-level grid of contiguous runs (head-layout transposes, qkv splits, KV-cache writes) on
// webgpu, flattened to one invocation per copied element: e < inner varies fastest, so neighbouring invocations
// read and write neighbouring addresses of a run.
import { checkStridedCopyArgs, type StridedCopyArgs } from '@lora/core';
import type { WebGpuState } from '../state.js';
import { flatProgram, runFlat } from './flat-program.js';

/** dst[i·d0 + j·d1 + k·d2 + e] = src[i·s0 + j·s1 + k·s2 + e] */
const STRIDED_COPY = flatProgram(
  'stridedCopy',
  [
    { name: 'src', type: 'f32' },
    { name: 'dst', type: 'f32', write: true },
  ],
  [
    { name: 'inner', type: 'u32' },
    { name: 'c1', type: 'u32' },
    { name: 'c2', type: 'u32' },
    { name: 's0', type: 'u32' },
    { name: 's1', type: 'u32' },
    { name: 's2', type: 'u32' },
    { name: 'd0', type: 'u32' },
    { name: 'd1', type: 'u32' },
    { name: 'd2', type: 'u32' },
  ],
  `let e = i % p.inner;
  let run = i / p.inner; // (i, j, k) flattened
  let k = run % p.c2;
  let j = (run / p.c2) % p.c1;
  let r = run / (p.c2 * p.c1);
  st_dst(r * p.d0 + j * p.d1 + k * p.d2 + e, ld_src(r * p.s0 + j * p.s1 + k * p.s2 + e));`,
);

export function stridedCopy(gpu: WebGpuState, args: StridedCopyArgs): void {
  checkStridedCopyArgs(args);
  const { counts, inner, srcStrides: s, dstStrides: d } = args;
  const n = counts[0] * counts[1] * counts[2] * inner;
  runFlat(
    gpu,
    STRIDED_COPY,
    { src: args.src, dst: args.dst },
    { n, inner, c1: counts[1], c2: counts[2], s0: s[0], s1: s[1], s2: s[2], d0: d[0], d1: d[1], d2: d[2] },
  );
}

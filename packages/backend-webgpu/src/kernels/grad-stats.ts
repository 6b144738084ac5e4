// Gradient statistics for the optimizer step (torch clip_grad_norm_, the trainer's NaN guard): Σ x² and the
// non-finite count, each one workgroup (every invocation over every WG-th element, then a fixed tree; lane 0 adds
// into out), and the clip factor, one invocation.
import {
  type CountNonFiniteArgs,
  checkGradClipArgs,
  checkReductionArgs,
  type GradClipArgs,
  type SumSquaresArgs,
} from '@lora/core';
import type { ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';
import { WG } from './row-reduce.js';

/** A one-workgroup reduction of x into out[0]: `term` (WGSL of v = x[i]) is summed as `type` (f32 or u32). */
function reduction(key: string, type: 'f32' | 'u32', term: string): ProgramSpec {
  return {
    key,
    arrays: [
      { name: 'x', type: 'f32' },
      { name: 'out', type: 'f32', write: true },
    ],
    uniforms: [{ name: 'n', type: 'u32' }],
    body: `
var<workgroup> red: array<${type}, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) li: u32) {
  var acc = ${type}(0);
  for (var i = li; i < p.n; i += ${WG}u) {
    let v = ld_x(i);
    acc += ${term};
  }
  red[li] = acc;
  workgroupBarrier();
  for (var h = ${WG / 2}u; h > 0u; h = h >> 1u) {
    if (li < h) { red[li] = red[li] + red[li + h]; }
    workgroupBarrier();
  }
  if (li == 0u) { st_out(0u, ld_out(0u) + f32(red[0])); }
}
`,
  };
}

const SUM_SQUARES = reduction('sumSquares', 'f32', 'v * v');
/** exponent bits all ones: ±∞ or NaN (a bit test, whatever a compiler assumes about infinities) */
const COUNT_NON_FINITE = reduction(
  'countNonFinite',
  'u32',
  'select(0u, 1u, (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u)',
);

/**
 * factor = min(1, maxNorm / (√sumSquares + 1e-6)), 1 when maxNorm ≤ 0, NaN (the uniform `nan`: WGSL has no NaN
 * literal) when the norm is not finite: sumSquares ±∞, NaN or negative.
 */
const GRAD_CLIP: ProgramSpec = {
  key: 'gradClip',
  arrays: [
    { name: 'sumSquares', type: 'f32' },
    { name: 'factor', type: 'f32', write: true },
  ],
  uniforms: [
    { name: 'max_norm', type: 'f32' },
    { name: 'nan', type: 'f32' },
  ],
  body: `
@compute @workgroup_size(1)
fn main() {
  let ss = ld_sumSquares(0u);
  let finite = (bitcast<u32>(ss) & 0x7f800000u) != 0x7f800000u && !(ss < 0.0);
  var f = p.nan;
  if (finite) {
    f = 1.0;
    if (p.max_norm > 0.0) { f = min(1.0, p.max_norm / (sqrt(ss) + 1e-6)); }
  }
  st_factor(0u, f);
}
`,
};

export function sumSquares(gpu: WebGpuState, args: SumSquaresArgs): void {
  checkReductionArgs('sumSquares', args);
  gpu.programs.run(SUM_SQUARES, { x: args.x, out: args.out }, { n: args.n }, [1, 1, 1]);
}

export function countNonFinite(gpu: WebGpuState, args: CountNonFiniteArgs): void {
  checkReductionArgs('countNonFinite', args);
  gpu.programs.run(COUNT_NON_FINITE, { x: args.x, out: args.out }, { n: args.n }, [1, 1, 1]);
}

export function gradClip(gpu: WebGpuState, args: GradClipArgs): void {
  checkGradClipArgs(args);
  gpu.programs.run(
    GRAD_CLIP,
    { sumSquares: args.sumSquares, factor: args.factor },
    { max_norm: args.maxNorm, nan: Number.NaN },
    [1, 1, 1],
  );
}

// Gradient statistics for the optimizer step (torch clip_grad_norm_, the trainer's NaN guard): Σ x² and the
// non-finite count, and the clip factor (one invocation). A reduction over more than ONE_PASS elements runs in two
// passes so a large gradient (a trained embedding) is read by many workgroups: each of G workgroups reduces one
// contiguous chunk into a partial, then one workgroup reduces the G partials and adds the total into out. Every sum
// is a fixed tree over a fixed split, so the result depends on n only (deterministic), never on timing.
import {
  type CountNonFiniteArgs,
  checkGradClipArgs,
  checkReductionArgs,
  type F32,
  type GradClipArgs,
  type SumSquaresArgs,
} from '@lora/core';
import type { GpuF32 } from '../arrays.js';
import type { ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';
import { WG } from './row-reduce.js';

/** Below this many elements one workgroup reads them all: one dispatch, no partials. */
export const ONE_PASS = 64 * WG;
/** The most workgroups of a first pass (and partials of its second). */
export const MAX_PARTIALS = 1024;

/** How `n` elements split: G workgroups of `chunk` contiguous elements each (the last may be short). */
export function reductionSplit(n: number): { groups: number; chunk: number } {
  const groups = Math.min(MAX_PARTIALS, Math.ceil(n / ONE_PASS));
  return { groups, chunk: Math.ceil(n / groups) };
}

/**
 * Workgroup g reduces x[g·chunk, min((g+1)·chunk, n)): `term` (WGSL of v = x[i]) summed as `type` in a fixed tree;
 * lane 0 writes the workgroup's total (`write` WGSL of the value `total`). One workgroup with chunk = n is the
 * one-pass form.
 */
function chunkReduction(key: string, type: 'f32' | 'u32', term: string, write: string): ProgramSpec {
  return {
    key,
    arrays: [
      { name: 'x', type: 'f32' },
      { name: 'out', type: 'f32', write: true },
    ],
    uniforms: [
      { name: 'n', type: 'u32' },
      { name: 'chunk', type: 'u32' },
    ],
    body: `
var<workgroup> red: array<${type}, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let begin = wid.x * p.chunk;
  let end = min(begin + p.chunk, p.n);
  var acc = ${type}(0);
  for (var i = begin + li; i < end; i += ${WG}u) {
    let v = ld_x(i);
    acc += ${term};
  }
  red[li] = acc;
  workgroupBarrier();
  for (var h = ${WG / 2}u; h > 0u; h = h >> 1u) {
    if (li < h) { red[li] = red[li] + red[li + h]; }
    workgroupBarrier();
  }
  if (li == 0u) { let total = red[0]; ${write} }
}
`,
  };
}

/** exponent bits all ones: ±∞ or NaN (a bit test, whatever a compiler assumes about infinities) */
const NON_FINITE = 'select(0u, 1u, (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u)';
const ADD_INTO_OUT = 'st_out(0u, ld_out(0u) + f32(total));';
const PARTIAL = 'st_out(wid.x, f32(total));';

const SUM_SQUARES = chunkReduction('sumSquares', 'f32', 'v * v', ADD_INTO_OUT);
const SUM_SQUARES_PARTIAL = chunkReduction('sumSquaresPartial', 'f32', 'v * v', PARTIAL);
const COUNT_NON_FINITE = chunkReduction('countNonFinite', 'u32', NON_FINITE, ADD_INTO_OUT);
// a partial count is at most `chunk` (< 2^24 while n < 2^34): exact in f32
const COUNT_NON_FINITE_PARTIAL = chunkReduction('countNonFinitePartial', 'u32', NON_FINITE, PARTIAL);
/** the second pass of both: Σ partials, in f32 (a count's partials are exact integers, and so is their sum < 2^24) */
const SUM_PARTIALS = chunkReduction('sumPartials', 'f32', 'v', ADD_INTO_OUT);

/** Partials of one device's two-pass reductions, kept and reused (the second pass reads them before the next call). */
const partialBuffers = new WeakMap<WebGpuState, GpuF32>();

function partials(gpu: WebGpuState): F32 {
  let buffer = partialBuffers.get(gpu);
  if (!buffer) {
    buffer = gpu.memory.f32(MAX_PARTIALS) as GpuF32;
    partialBuffers.set(gpu, buffer);
  }
  return buffer;
}

/** x[0 … n) reduced into out[0] (added to it): one pass for small n, else partials then their sum. */
function reduce(
  gpu: WebGpuState,
  onePass: ProgramSpec,
  partial: ProgramSpec,
  x: F32,
  out: F32,
  n: number,
): void {
  if (n <= ONE_PASS) {
    gpu.programs.run(onePass, { x, out }, { n, chunk: n }, [1, 1, 1]);
    return;
  }
  const { groups, chunk } = reductionSplit(n);
  const scratch = partials(gpu).subarray(0, groups);
  gpu.programs.run(partial, { x, out: scratch }, { n, chunk }, [groups, 1, 1]);
  gpu.programs.run(SUM_PARTIALS, { x: scratch, out }, { n: groups, chunk: groups }, [1, 1, 1]);
}

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
  reduce(gpu, SUM_SQUARES, SUM_SQUARES_PARTIAL, args.x, args.out, args.n);
}

export function countNonFinite(gpu: WebGpuState, args: CountNonFiniteArgs): void {
  checkReductionArgs('countNonFinite', args);
  reduce(gpu, COUNT_NON_FINITE, COUNT_NON_FINITE_PARTIAL, args.x, args.out, args.n);
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

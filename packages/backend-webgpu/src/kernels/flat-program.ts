// One invocation per work item over a flat 1-D dispatch (groups1d): the shape the pointwise and gather kernels share.
import type { DeviceArray } from '@lora/core';
import { FLAT_INDEX, groups1d, type ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';

/** Invocations per workgroup of a flat program. */
export const FLAT_WG = 256;

/**
 * A program whose main runs `statement` for each work item i < p.n (`i` is a u32); `helpers` is WGSL placed
 * before main. The uniform `n` comes first, then `uniforms`.
 */
export function flatProgram(
  key: string,
  arrays: ProgramSpec['arrays'],
  uniforms: ProgramSpec['uniforms'],
  statement: string,
  helpers = '',
): ProgramSpec {
  return {
    key,
    arrays,
    uniforms: [{ name: 'n', type: 'u32' }, ...uniforms],
    body: `${FLAT_INDEX}
${helpers}
@compute @workgroup_size(${FLAT_WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid, ${FLAT_WG}u);
  if (i >= p.n) { return; }
  ${statement}
}
`,
  };
}

/** Records `spec` over `uniforms.n` work items. */
export function runFlat(
  gpu: WebGpuState,
  spec: ProgramSpec,
  arrays: Record<string, DeviceArray | undefined>,
  uniforms: Record<string, number> & { n: number },
): void {
  gpu.programs.run(spec, arrays, uniforms, groups1d(uniforms.n, FLAT_WG));
}

/**
 * WGSL: a float that is the rounded value of `v` whatever the compiler fuses: `v` goes through its bits or-ed with
 * p.zero (a uniform the host sets to 0), which no compiler can see through, so `a·b + c` cannot become one fma.
 */
export const ROUNDED = `fn rounded(v: f32) -> f32 { return bitcast<f32>(bitcast<u32>(v) | p.zero); }
`;

/** WGSL: whether a float is NaN or ±Infinity, from its exponent bits (no fast-math assumption can drop it). */
export const NON_FINITE = `fn non_finite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u; }
`;

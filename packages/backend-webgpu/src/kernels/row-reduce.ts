// What the row kernels share: a workgroup of 256 invocations holds 256 / tpr rows, each row reduced by a segment of
// tpr (a power of two) invocations that stride over its columns and then combine their partials in a fixed tree in
// workgroup memory. The order of every sum depends on the shape only, so results are deterministic.
import { FLAT_INDEX, groups1d, type ProgramSpec } from '../program.js';

/** invocations per workgroup */
export const WG = 256;

/** The uniforms every row program declares first: rows, cols and tpr (threads per row). */
export const ROW_UNIFORMS: ProgramSpec['uniforms'] = [
  { name: 'rows', type: 'u32' },
  { name: 'cols', type: 'u32' },
  { name: 'tpr', type: 'u32' },
];

/**
 * Threads per row (a power of two, about a quarter of the row, at most WG) and the workgroup counts covering
 * `rows` rows (groups1d: more than 65535 groups go 2-D).
 */
export function rowLayout(rows: number, cols: number): { tpr: number; groups: [number, number, number] } {
  let tpr = 1;
  while (tpr < WG && tpr * 4 < cols) tpr *= 2;
  return { tpr, groups: groups1d(rows, WG / tpr) };
}

/**
 * WGSL shared by the row programs. `slot_of` places an invocation: its row, its lane within the row's segment, and
 * whether the row exists (invocations of missing rows still reach every barrier). `seg_sum` / `seg_max` return
 * the segment's total to every lane; call them from uniform control flow. `neg_inf` tests the bits, so it holds
 * whatever a compiler assumes about infinities; `exp_sub(x, m)` is exp(x − m), exactly 0 for x = −∞.
 */
export const ROW_WGSL = `${FLAT_INDEX}
const WG = ${WG}u;
var<workgroup> red: array<f32, ${WG}>;

struct Slot { row: u32, lane: u32, live: bool }

fn slot_of(wid: vec3u, nwg: vec3u, li: u32) -> Slot {
  let row = flat_group(wid, nwg) * (WG / p.tpr) + li / p.tpr;
  return Slot(row, li & (p.tpr - 1u), row < p.rows);
}

fn seg_sum(v: f32, li: u32) -> f32 {
  red[li] = v;
  workgroupBarrier();
  for (var s = p.tpr >> 1u; s > 0u; s = s >> 1u) {
    if ((li & (p.tpr - 1u)) < s) { red[li] = red[li] + red[li + s]; }
    workgroupBarrier();
  }
  let total = red[li & ~(p.tpr - 1u)];
  workgroupBarrier();
  return total;
}

fn seg_max(v: f32, li: u32) -> f32 {
  red[li] = v;
  workgroupBarrier();
  for (var s = p.tpr >> 1u; s > 0u; s = s >> 1u) {
    if ((li & (p.tpr - 1u)) < s) { red[li] = max(red[li], red[li + s]); }
    workgroupBarrier();
  }
  let total = red[li & ~(p.tpr - 1u)];
  workgroupBarrier();
  return total;
}

fn neg_inf(v: f32) -> bool { return bitcast<u32>(v) == 0xff800000u; }

fn exp_sub(x: f32, m: f32) -> f32 { return select(exp(x - m), 0.0, neg_inf(x)); }
`;

/** The entry point's signature of a row program (li: the local invocation index). */
export const ROW_MAIN = `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32)`;

/** A row program: ROW_UNIFORMS then `uniforms`, the shared WGSL, then `helpers` and `main`'s body. */
export function rowProgram(
  key: string,
  arrays: ProgramSpec['arrays'],
  uniforms: ProgramSpec['uniforms'],
  main: string,
  helpers = '',
): ProgramSpec {
  return {
    key,
    arrays,
    uniforms: [...ROW_UNIFORMS, ...uniforms],
    body: `${ROW_WGSL}${helpers}
${ROW_MAIN} {
  let s = slot_of(wid, nwg, li);
  let base = s.row * p.cols;
${main}
}
`,
  };
}

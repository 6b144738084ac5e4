// Matrix-vector products (M = 1 or N = 1, the decoding shapes): out[z, j] = alpha · Σ_k x[z, k] · W(z; j, k)
// [+ out]. 'dot' reads W's rows (W(j, k) at j·K + k): tpr invocations share an output, stride over K and combine
// in a fixed tree in workgroup memory. 'axpy' reads W's columns (W(j, k) at k·J + j): 32 adjacent outputs per
// workgroup read rows of W coalesced, 8 slices of K each, summed in a fixed tree. No tile is wasted on the 1.
import type { DeviceArray, F32 } from '@lora/core';
import { FLAT_INDEX, groups1d, type ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';

const WG = 256;
/** axpy form: adjacent outputs per workgroup, and K slices per output */
const COLS = 32;
const SLICES = WG / COLS;
const MAX_Z = 65535;

export const GEMV_UNIFORMS: ProgramSpec['uniforms'] = [
  { name: 'j', type: 'u32' },
  { name: 'k', type: 'u32' },
  { name: 'tpr', type: 'u32' },
  { name: 'x_bs', type: 'u32' },
  { name: 'w_bs', type: 'u32' },
  { name: 'out_bs', type: 'u32' },
  { name: 'z_base', type: 'u32' },
  { name: 'alpha', type: 'f32' },
  { name: 'accumulate', type: 'u32' },
];

export interface GemvParts {
  key: string;
  form: 'dot' | 'axpy';
  /** the program's arrays; `out` (f32, written) among them */
  arrays: ProgramSpec['arrays'];
  /** uniforms beyond GEMV_UNIFORMS */
  uniforms?: ProgramSpec['uniforms'];
  /**
   * WGSL adding this invocation's share into `s`. dot: output j, lane < p.tpr, strides p.tpr over K; axpy:
   * output j, slice sl < SLICES, strides SLICES over K. xb, wb: the z-slice's first elements of x and W.
   */
  part: string;
  prelude?: string;
  /** WGSL at the top of main, in uniform control flow (may end with a barrier) */
  setup?: string;
}

const EPILOGUE = `let o = z * p.out_bs + j;
    var v = red[li] * p.alpha;
    if (p.accumulate != 0u) { v = v + ld_out(o); }
    st_out(o, v);`;

export function gemvProgram(parts: GemvParts): ProgramSpec {
  const head = `${FLAT_INDEX}
const SLICES = ${SLICES}u;
var<workgroup> red: array<f32, ${WG}>;
${parts.prelude ?? ''}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  ${parts.setup ?? ''}
  let z = wid.z + p.z_base;
  let xb = z * p.x_bs;
  let wb = z * p.w_bs;
  var s = 0.0;`;
  const body =
    parts.form === 'dot'
      ? `
  let j = flat_group(wid, nwg) * (${WG}u / p.tpr) + li / p.tpr;
  let lane = li & (p.tpr - 1u);
  if (j < p.j) { ${parts.part} }
  red[li] = s;
  workgroupBarrier();
  for (var h = p.tpr >> 1u; h > 0u; h = h >> 1u) {
    if (lane < h) { red[li] = red[li] + red[li + h]; }
    workgroupBarrier();
  }
  if (lane == 0u && j < p.j) {
    ${EPILOGUE}
  }
}
`
      : `
  let j = flat_group(wid, nwg) * ${COLS}u + li % ${COLS}u;
  let sl = li / ${COLS}u;
  if (j < p.j) { ${parts.part} }
  red[li] = s;
  workgroupBarrier();
  for (var h = SLICES / 2u; h > 0u; h = h >> 1u) {
    if (sl < h) { red[li] = red[li] + red[li + h * ${COLS}u]; }
    workgroupBarrier();
  }
  if (sl == 0u && j < p.j) {
    ${EPILOGUE}
  }
}
`;
  return {
    key: `${parts.key}:${parts.form}`,
    arrays: parts.arrays,
    uniforms: [...GEMV_UNIFORMS, ...(parts.uniforms ?? [])],
    body: head + body,
  };
}

/** The shape of one matrix-vector call: `batch` z-slices of J outputs reduced over K. */
export interface GemvCall {
  j: number;
  k: number;
  batch: number;
  xBs: number;
  wBs: number;
  outBs: number;
  alpha: number;
  accumulate: boolean;
  /** K values one invocation reads at a time (1, 4 for vec4, 8 for an nf4 word): dot form's lanes per output */
  step: number;
}

/** Lanes per output in the dot form: a power of two up to 64, each lane reading about four steps or more. */
function lanes(k: number, step: number): number {
  let tpr = 1;
  while (tpr < 64 && tpr * 4 * step < k) tpr *= 2;
  return tpr;
}

export function runGemv(
  gpu: WebGpuState,
  spec: ProgramSpec,
  form: 'dot' | 'axpy',
  call: GemvCall,
  arrays: Record<string, DeviceArray>,
  out: F32,
  extra: Record<string, number> = {},
): void {
  const tpr = form === 'dot' ? lanes(call.k, call.step) : 1;
  const [gx, gy] = groups1d(call.j, form === 'dot' ? WG / tpr : COLS);
  for (let zBase = 0; zBase < call.batch; zBase += MAX_Z) {
    const uniforms = {
      j: call.j,
      k: call.k,
      tpr,
      x_bs: call.xBs,
      w_bs: call.wBs,
      out_bs: call.outBs,
      z_base: zBase,
      alpha: call.alpha,
      accumulate: call.accumulate ? 1 : 0,
      ...extra,
    };
    gpu.programs.run(spec, { ...arrays, out }, uniforms, [gx, gy, Math.min(MAX_Z, call.batch - zBase)]);
  }
}

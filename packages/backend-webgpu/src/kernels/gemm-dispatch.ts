// How a tiled GEMM is dispatched: the tile config and K-split chosen from the shape, batch and splits on the z
// dimension (in chunks of 65535), and split-K's partial products summed by a second, fixed-order pass so results
// stay deterministic (no float atomics).
import type { DeviceArray, F32 } from '@lora/core';
import type { GpuF32 } from '../arrays.js';
import { FLAT_INDEX, groups1d, type ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';
import { TILE_32, TILE_64, TK, type TileConfig } from './matmul-wgsl.js';

/** Workgroups that keep a GPU busy: below this, smaller tiles and then K-splits are used. */
const BUSY_64 = 128;
const BUSY_32 = 256;
/** K depth a split gets at least (8 staged steps), and the most partial floats split-K may stage (64 MiB) */
const MIN_SPLIT_K = 128;
const MAX_SCRATCH = 1 << 24;
const MAX_Z = 65535;

export interface TilePlan {
  cfg: TileConfig;
  tilesN: number;
  tiles: number;
  /** K ranges, each `kc` deep (a multiple of TK); 1 = no split */
  splits: number;
  kc: number;
}

const ceil = (a: number, b: number) => Math.ceil(a / b);

/**
 * 64×64 tiles when there are enough of them; else 32×32 tiles, and when even those are few and K is deep, K
 * split into ranges of at least MIN_SPLIT_K so about BUSY_32 workgroups run (LoRA's 512×16×896: 16 tiles × 7).
 */
export function planTiles(m: number, n: number, k: number, batch: number): TilePlan {
  const big = ceil(m, 64) * ceil(n, 64) * batch >= BUSY_64;
  const cfg = big ? TILE_64 : TILE_32;
  const tm = 4 * cfg.wy;
  const tn = 4 * cfg.wx;
  const tilesN = ceil(n, tn);
  const tiles = ceil(m, tm) * tilesN;
  let splits = 1;
  if (!big) {
    const want = Math.floor(BUSY_32 / (tiles * batch));
    splits = Math.max(
      1,
      Math.min(want, Math.floor(k / MIN_SPLIT_K), Math.floor(MAX_SCRATCH / (m * n * batch))),
    );
  }
  const kc = Math.max(1, ceil(ceil(k, splits), TK)) * TK;
  return { cfg, tilesN, tiles, splits: Math.max(1, ceil(k, kc)), kc };
}

/** out[i] = alpha · Σ_s part[s · total + i] [+ out[i]], summed in split order. */
const SPLIT_SUM: ProgramSpec = {
  key: 'gemm:split-sum',
  arrays: [
    { name: 'part', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
  ],
  uniforms: [
    { name: 'total', type: 'u32' },
    { name: 'splits', type: 'u32' },
    { name: 'alpha', type: 'f32' },
    { name: 'accumulate', type: 'u32' },
  ],
  body: `${FLAT_INDEX}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid, 256u);
  if (i >= p.total) { return; }
  var s = 0.0;
  for (var j = 0u; j < p.splits; j++) { s = s + ld_part(j * p.total + i); }
  var v = s * p.alpha;
  if (p.accumulate != 0u) { v = v + ld_out(i); }
  st_out(i, v);
}
`,
};

/** One staging buffer per device for split-K partials, grown as needed and kept (it is reused by every call). */
const scratches = new WeakMap<WebGpuState, GpuF32>();

function scratch(gpu: WebGpuState, n: number): F32 {
  let s = scratches.get(gpu);
  if (!s || s.length < n) {
    if (s) gpu.memory.free(s); // destroyed once the commands recorded so far are submitted
    s = gpu.memory.f32(Math.max(n, Math.min(2 * (s?.length ?? 0), MAX_SCRATCH))) as GpuF32;
    scratches.set(gpu, s);
  }
  return s.subarray(0, n);
}

/** The shape of one tiled call. a_bs, b_bs: elements between batch entries of A and B (0 when unbatched). */
export interface TiledCall {
  m: number;
  n: number;
  k: number;
  batch: number;
  aBs: number;
  bBs: number;
  alpha: number;
  accumulate: boolean;
}

/** Whether `array`'s view offset allows vec4 access. */
export const aligned4 = (array: DeviceArray) => (array as unknown as GpuF32).offset % 4 === 0;

/**
 * Runs a tiled program: `program(cfg, out4)` gives the variant; `arrays` holds every argument but `out`.
 * Split-K writes partials (alpha 1, overwrite) to scratch and sums them into `out` in a second pass.
 */
export function runTiled(
  gpu: WebGpuState,
  call: TiledCall,
  program: (cfg: TileConfig, out4: boolean) => ProgramSpec,
  arrays: Record<string, DeviceArray>,
  out: F32,
  extra: Record<string, number> = {},
): void {
  const { m, n, k, batch } = call;
  const plan = planTiles(m, n, k, batch);
  const total = batch * m * n;
  const split = plan.splits > 1;
  const target = split ? scratch(gpu, plan.splits * total) : out;
  const spec = program(plan.cfg, n % 4 === 0 && aligned4(target));
  const [gx, gy] = groups1d(plan.tiles, 1);
  const slices = batch * plan.splits;
  for (let zBase = 0; zBase < slices; zBase += MAX_Z) {
    const uniforms = {
      m,
      n,
      k,
      kc: plan.kc,
      batch,
      tiles_n: plan.tilesN,
      tiles: plan.tiles,
      z_base: zBase,
      a_bs: call.aBs,
      b_bs: call.bBs,
      alpha: split ? 1 : call.alpha,
      accumulate: !split && call.accumulate ? 1 : 0,
      ...extra,
    };
    gpu.programs.run(spec, { ...arrays, out: target }, uniforms, [gx, gy, Math.min(MAX_Z, slices - zBase)]);
  }
  if (split) {
    const uniforms = { total, splits: plan.splits, alpha: call.alpha, accumulate: call.accumulate ? 1 : 0 };
    gpu.programs.run(SPLIT_SUM, { part: target, out }, uniforms, groups1d(total, 256));
  }
}

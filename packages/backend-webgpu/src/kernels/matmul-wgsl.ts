// The workgroup-tiled GEMM program (tfjs-backend-webgpu makeMatMulPackedVec4Source, onnxruntime-web matmul_packed):
// a workgroup computes a TM×TN tile of out = alpha·op(A)·op(B) [+ out]; each K-step of TK it stages op(A)'s TM×TK
// and op(B)'s TK×TN slabs in workgroup memory (transposes and dequantization happen in these loads), then every
// invocation accumulates its own 4×4 block in registers. The loaders are WGSL snippets, so matmul and nf4Matmul
// share the rest. Shapes are uniforms; a pipeline is keyed by layout, vec4-ness and tile config only.
import { FLAT_INDEX, type ProgramSpec } from '../program.js';

/** Invocations wx × wy, each computing 4×4 outputs: a (4·wy)×(4·wx) output tile. */
export interface TileConfig {
  name: string;
  wx: number;
  wy: number;
}

/** 64×64 tiles, 256 invocations, 8.25 KiB of workgroup memory: large products (32 FMAs per staged float). */
export const TILE_64: TileConfig = { name: 't64', wx: 16, wy: 16 };
/** 32×32 tiles, 64 invocations, ≈ 4 KiB (16 FMAs per staged float): four times the workgroups of TILE_64. */
export const TILE_32: TileConfig = { name: 't32', wx: 8, wy: 8 };
/** depth of one staged K-step (a multiple of 8, so the nf4 word loads and vec4 loads never straddle it) */
export const TK = 16;

/**
 * The uniforms every tiled program declares. A z-slice bz = wid.z + z_base is batch entry bz % batch and K-split
 * bz / batch (K range [split·kc, split·kc + kc)); it writes out at bz·M·N (split-K writes partials to scratch).
 */
export const TILE_UNIFORMS: ProgramSpec['uniforms'] = [
  { name: 'm', type: 'u32' },
  { name: 'n', type: 'u32' },
  { name: 'k', type: 'u32' },
  { name: 'kc', type: 'u32' },
  { name: 'batch', type: 'u32' },
  { name: 'tiles_n', type: 'u32' },
  { name: 'tiles', type: 'u32' },
  { name: 'z_base', type: 'u32' },
  { name: 'a_bs', type: 'u32' },
  { name: 'b_bs', type: 'u32' },
  { name: 'alpha', type: 'f32' },
  { name: 'accumulate', type: 'u32' },
];

export interface TiledParts {
  key: string;
  /** the program's arrays; `out` (f32, written) among them */
  arrays: ProgramSpec['arrays'];
  /** uniforms beyond TILE_UNIFORMS */
  uniforms?: ProgramSpec['uniforms'];
  /** how As holds op(A)'s slab: 'mk' = [m][k/4] (A row-major), 'km' = [k][m/4] (A transposed) */
  aLayout: 'mk' | 'km';
  /** WGSL filling As (TM×TK) and Bs ([k][n/4], TK×TN, rows BROW apart) for the step at k0 (see tiledProgram) */
  loadA: string;
  loadB: string;
  /** out's view offset and N allow vec4 stores */
  out4: boolean;
  /** WGSL at module scope (helpers, workgroup arrays) */
  prelude?: string;
  /** WGSL at the top of main, in uniform control flow (may end with a barrier) */
  setup?: string;
}

/** The inner product of one staged step: acc[r] (4 columns) += op(A)[row r, k] · Bs[k] for the TK values of k. */
function computeStep(aLayout: 'mk' | 'km'): string {
  if (aLayout === 'mk')
    return `for (var kq = 0u; kq < TK4; kq++) {
      let b0 = Bs[(4u * kq) * BROW + tx];
      let b1 = Bs[(4u * kq + 1u) * BROW + tx];
      let b2 = Bs[(4u * kq + 2u) * BROW + tx];
      let b3 = Bs[(4u * kq + 3u) * BROW + tx];
      for (var r = 0u; r < 4u; r++) {
        let a = As[(4u * ty + r) * TK4 + kq];
        acc[r] = acc[r] + a.x * b0 + a.y * b1 + a.z * b2 + a.w * b3;
      }
    }`;
  return `for (var kk = 0u; kk < TK; kk++) {
      let a = As[kk * TM4 + ty];
      let b = Bs[kk * BROW + tx];
      acc[0] = acc[0] + a.x * b;
      acc[1] = acc[1] + a.y * b;
      acc[2] = acc[2] + a.z * b;
      acc[3] = acc[3] + a.w * b;
    }`;
}

/** alpha, accumulate and the bounds of the last row and column tiles. */
function epilogue(out4: boolean): string {
  const store = out4
    ? `if (gn < p.n) {
        var v = acc[r] * p.alpha;
        if (p.accumulate != 0u) { v = v + ld4_out(o / 4u); }
        st4_out(o / 4u, v);
      }`
    : `for (var c = 0u; c < 4u; c++) {
        if (gn + c < p.n) {
          var v = acc[r][c] * p.alpha;
          if (p.accumulate != 0u) { v = v + ld_out(o + c); }
          st_out(o + c, v);
        }
      }`;
  return `let gn = n0 + 4u * tx;
  for (var r = 0u; r < 4u; r++) {
    let gm = m0 + 4u * ty + r;
    if (gm < p.m) {
      let o = out_base + gm * p.n + gn;
      ${store}
    }
  }`;
}

/**
 * A tiled GEMM program. Names main defines for the loaders: li (invocation index), m0, n0 (tile origin), k0
 * (step origin), k_end (end of this slice's K range), a_base, b_base (batch entry's first element), and the
 * constants TM, TN, TK, TM4, TN4, TK4, THREADS. Bs rows are BROW = TN4 + 1 vec4s apart: the padding spreads the
 * transposing stores of a (N, K) operand, which write one column of Bs, over the memory banks (16-way conflicts
 * without it, 2-way with it) and leaves the compute loop's reads of consecutive vec4s conflict-free.
 */
export function tiledProgram(cfg: TileConfig, parts: TiledParts): ProgramSpec {
  const threads = cfg.wx * cfg.wy;
  const tm = 4 * cfg.wy;
  const tn = 4 * cfg.wx;
  return {
    key: `${parts.key}:${cfg.name}`,
    arrays: parts.arrays,
    uniforms: [...TILE_UNIFORMS, ...(parts.uniforms ?? [])],
    body: `${FLAT_INDEX}
const TM = ${tm}u;
const TN = ${tn}u;
const TK = ${TK}u;
const TM4 = ${tm / 4}u;
const TN4 = ${tn / 4}u;
const TK4 = ${TK / 4}u;
const THREADS = ${threads}u;
const BROW = TN4 + 1u;
var<workgroup> As: array<vec4f, ${(tm * TK) / 4}>;
var<workgroup> Bs: array<vec4f, ${TK * (tn / 4 + 1)}>;
${parts.prelude ?? ''}
@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let t = flat_group(wid, nwg);
  if (t >= p.tiles) { return; }
  ${parts.setup ?? ''}
  let bz = wid.z + p.z_base;
  let bi = bz % p.batch;
  let k_beg = (bz / p.batch) * p.kc;
  let k_end = min(p.k, k_beg + p.kc);
  let m0 = (t / p.tiles_n) * TM;
  let n0 = (t % p.tiles_n) * TN;
  let a_base = bi * p.a_bs;
  let b_base = bi * p.b_bs;
  let out_base = bz * p.m * p.n;
  let tx = li % ${cfg.wx}u;
  let ty = li / ${cfg.wx}u;
  var acc: array<vec4f, 4>;
  for (var k0 = k_beg; k0 < k_end; k0 += TK) {
    ${parts.loadA}
    ${parts.loadB}
    workgroupBarrier();
    ${computeStep(parts.aLayout)}
    workgroupBarrier();
  }
  ${epilogue(parts.out4)}
}
`,
  };
}

/**
 * WGSL looping this invocation over `count` items of a staged slab (item index e), e.g. `TM * TK` scalars or
 * `TM * TK4` vec4s.
 */
export const eachItem = (count: string, body: string) =>
  `for (var e = li; e < ${count}; e += THREADS) {
      ${body}
    }`;

/** Loads of op(A) from f32 `a`: row-major (M, K) into [m][k/4], or (K, M) into [k][m/4]; vec4 along the rows. */
export function loadA(trans: boolean, vec4: boolean): string {
  if (!trans && vec4)
    return eachItem(
      'TM * TK4',
      `let gm = m0 + e / TK4; let gk = k0 + 4u * (e % TK4);
      var v = vec4f(0.0);
      if (gm < p.m && gk < k_end) { v = ld4_a((a_base + gm * p.k + gk) / 4u); }
      As[e] = v;`,
    );
  if (!trans)
    return eachItem(
      'TM * TK',
      `let m = e / TK; let k = e % TK; let gm = m0 + m; let gk = k0 + k;
      var v = 0.0;
      if (gm < p.m && gk < k_end) { v = ld_a(a_base + gm * p.k + gk); }
      As[m * TK4 + k / 4u][k % 4u] = v;`,
    );
  if (vec4)
    return eachItem(
      'TK * TM4',
      `let gk = k0 + e / TM4; let gm = m0 + 4u * (e % TM4);
      var v = vec4f(0.0);
      if (gm < p.m && gk < k_end) { v = ld4_a((a_base + gk * p.m + gm) / 4u); }
      As[e] = v;`,
    );
  return eachItem(
    'TK * TM',
    `let k = e / TM; let m = e % TM; let gm = m0 + m; let gk = k0 + k;
    var v = 0.0;
    if (gm < p.m && gk < k_end) { v = ld_a(a_base + gk * p.m + gm); }
    As[k * TM4 + m / 4u][m % 4u] = v;`,
  );
}

/**
 * Loads of op(B) into Bs [k][n/4] through `get(index)` (a scalar at a flat index) or `get4(index4)`: from (K, N)
 * directly, from (N, K) transposed on the way (four scalar stores per vec4 read).
 */
export function loadB(trans: boolean, vec4: boolean, get = 'ld_b', get4 = 'ld4_b'): string {
  if (!trans && vec4)
    return eachItem(
      'TK * TN4',
      `let gk = k0 + e / TN4; let gn = n0 + 4u * (e % TN4);
      var v = vec4f(0.0);
      if (gn < p.n && gk < k_end) { v = ${get4}((b_base + gk * p.n + gn) / 4u); }
      Bs[(e / TN4) * BROW + e % TN4] = v;`,
    );
  if (!trans)
    return eachItem(
      'TK * TN',
      `let k = e / TN; let n = e % TN; let gn = n0 + n; let gk = k0 + k;
      var v = 0.0;
      if (gn < p.n && gk < k_end) { v = ${get}(b_base + gk * p.n + gn); }
      Bs[k * BROW + n / 4u][n % 4u] = v;`,
    );
  if (vec4)
    return eachItem(
      'TN * TK4',
      `let n = e / TK4; let kq = e % TK4; let gn = n0 + n; let gk = k0 + 4u * kq;
      var v = vec4f(0.0);
      if (gn < p.n && gk < k_end) { v = ${get4}((b_base + gn * p.k + gk) / 4u); }
      for (var c = 0u; c < 4u; c++) { Bs[(4u * kq + c) * BROW + n / 4u][n % 4u] = v[c]; }`,
    );
  return eachItem(
    'TN * TK',
    `let n = e / TK; let k = e % TK; let gn = n0 + n; let gk = k0 + k;
    var v = 0.0;
    if (gn < p.n && gk < k_end) { v = ${get}(b_base + gn * p.k + gk); }
    Bs[k * BROW + n / 4u][n % 4u] = v;`,
  );
}

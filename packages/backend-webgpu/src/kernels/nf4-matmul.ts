// nf4Matmul on webgpu (bitsandbytes gemm_4bit / kDequantizeBlockwise fused): W (N, K) is dequantized while op(B)'s
// slabs are staged — code[nibble] · absmax[e / blocksize], rounded to f32 as the reference rounds it — and never
// held whole. 'forward' is out (M, N) = x · Wᵀ (W read as a transposed B); 'inputGrad' is out (M, K) = dy · W.
// When W's rows are whole 32-bit words (K % 8 = 0, blocksize % 8 = 0, packed at a 4-byte offset) each load
// takes eight weights from one word and one absmax; otherwise each weight is read from its byte. A double-quantized
// absmax (`nested`) is restored where it is read — f32(f32(nestedCode[qabsmax[b]] · nestedAbsmax[b / nbs]) +
// offset), as dequantizeAbsmax rounds it — in a program variant of its own: no scratch, no extra dispatch.
import { checkNf4MatmulArgs, type DeviceArray, type Nf4MatmulArgs } from '@lora/core';
import type { ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';
import { ROUNDED } from './flat-program.js';
import { aligned4, runTiled } from './gemm-dispatch.js';
import { gemvProgram, runGemv } from './gemv.js';
import { eachItem, loadA, loadB, type TileConfig, tiledProgram } from './matmul-wgsl.js';

/** How a program reads the block scales: the f32 absmax as stored, or restored from its 8-bit codes. */
type Scales = 'absmax' | 'nested';

/** WGSL restoring block b's scale; `rounded` keeps the product from fusing with the offset into one fma. */
const NESTED_SCALE = `${ROUNDED}fn block_scale(b: u32) -> f32 {
  return rounded(ld_nestedCode(ld_qabsmax(b)) * ld_nestedAbsmax(b / p.nbs)) + p.offset;
}
`;

/** The code table in workgroup memory, and the weight at flat index e of W, or the eight at e8 (e8 % 8 = 0). */
function dequant(scales: Scales): string {
  const scale = scales === 'absmax' ? 'ld_absmax' : 'block_scale';
  return `${scales === 'nested' ? NESTED_SCALE : ''}var<workgroup> codes: array<f32, 16>;
fn deq(e: u32) -> f32 {
  let byte = ld_packed(e >> 1u);
  let nibble = select(byte & 15u, byte >> 4u, (e & 1u) == 0u);
  return codes[nibble] * ${scale}(e / p.bs);
}
struct W8 { lo: vec4f, hi: vec4f }
fn deq8(e8: u32) -> W8 {
  let w = ldw_packed(e8 >> 3u);
  let s = ${scale}(e8 / p.bs);
  let lo = vec4f(codes[(w >> 4u) & 15u], codes[w & 15u], codes[(w >> 12u) & 15u], codes[(w >> 8u) & 15u]);
  let hi = vec4f(codes[(w >> 20u) & 15u], codes[(w >> 16u) & 15u], codes[(w >> 28u) & 15u], codes[(w >> 24u) & 15u]);
  return W8(lo * s, hi * s);
}
`;
}
const LOAD_CODES = `if (li < 16u) { codes[li] = ld_code(li); }
  workgroupBarrier();`;
const UNIFORMS: Record<Scales, ProgramSpec['uniforms']> = {
  absmax: [{ name: 'bs', type: 'u32' }],
  nested: [
    { name: 'bs', type: 'u32' },
    { name: 'nbs', type: 'u32' },
    { name: 'offset', type: 'f32' },
    { name: 'zero', type: 'u32' },
  ],
};

function arrays(x: string, x4: boolean, out4: boolean, scales: Scales): ProgramSpec['arrays'] {
  const scaleArrays: ProgramSpec['arrays'] =
    scales === 'absmax'
      ? [{ name: 'absmax', type: 'f32' }]
      : [
          { name: 'qabsmax', type: 'u8' },
          { name: 'nestedAbsmax', type: 'f32' },
          { name: 'nestedCode', type: 'f32' },
        ];
  return [
    { name: x, type: 'f32', vec4: x4 },
    { name: 'packed', type: 'u8' },
    ...scaleArrays,
    { name: 'code', type: 'f32' },
    { name: 'out', type: 'f32', write: true, vec4: out4 },
  ];
}

/** forward: Bs[k][n] = W[n0 + n, k0 + k], eight k from one word; inputGrad: Bs[k][n] = W[k0 + k, n0 + n]. */
function wordLoad(forward: boolean): string {
  if (forward)
    return eachItem(
      'TN * TK / 8u',
      `let n = e / (TK / 8u); let k = 8u * (e % (TK / 8u)); let gn = n0 + n; let gk = k0 + k;
      var w = W8(vec4f(0.0), vec4f(0.0));
      if (gn < p.n && gk < k_end) { w = deq8(gn * p.k + gk); }
      for (var c = 0u; c < 4u; c++) {
        Bs[(k + c) * BROW + n / 4u][n % 4u] = w.lo[c];
        Bs[(k + 4u + c) * BROW + n / 4u][n % 4u] = w.hi[c];
      }`,
    );
  return eachItem(
    'TK * TN / 8u',
    `let k = e / (TN / 8u); let nw = e % (TN / 8u); let gk = k0 + k; let gn = n0 + 8u * nw;
    var w = W8(vec4f(0.0), vec4f(0.0));
    if (gn < p.n && gk < k_end) { w = deq8(gk * p.n + gn); }
    Bs[k * BROW + 2u * nw] = w.lo;
    Bs[k * BROW + 2u * nw + 1u] = w.hi;`,
  );
}

const specs = new Map<string, ProgramSpec>();
function cached(key: string, make: () => ProgramSpec): ProgramSpec {
  let spec = specs.get(key);
  if (!spec) specs.set(key, (spec = make()));
  return spec;
}

function tiled(
  cfg: TileConfig,
  forward: boolean,
  words: boolean,
  x4: boolean,
  out4: boolean,
  scales: Scales,
): ProgramSpec {
  const form = scales === 'nested' ? ':nested' : '';
  const key = `nf4Matmul:${forward ? 'forward' : 'inputGrad'}:${words ? 'word' : 'byte'}:x${x4 ? 4 : 1}o${out4 ? 4 : 1}${form}`;
  return cached(`${key}:${cfg.name}`, () =>
    tiledProgram(cfg, {
      key,
      arrays: arrays('a', x4, out4, scales),
      uniforms: UNIFORMS[scales],
      aLayout: 'mk',
      loadA: loadA(false, x4),
      loadB: words ? wordLoad(forward) : loadB(forward, false, 'deq'),
      out4,
      prelude: dequant(scales),
      setup: LOAD_CODES,
    }),
  );
}

/** M = 1. forward: out[j] = x · W[j, ·] (rows of W); inputGrad: out[j] = Σ_r dy[r] · W[r, j] (columns). */
function gemv(forward: boolean, words: boolean, scales: Scales): ProgramSpec {
  const key = `nf4Matmul-gemv:${words ? 'word' : 'byte'}${scales === 'nested' ? ':nested' : ''}`;
  const part = !forward
    ? 'for (var k = sl; k < p.k; k += SLICES) { s = s + ld_x(k) * deq(k * p.j + j); }'
    : words
      ? `for (var q = lane; q < p.k / 8u; q += p.tpr) {
      let w = deq8(j * p.k + 8u * q);
      s = s + dot(ld4_x(2u * q), w.lo) + dot(ld4_x(2u * q + 1u), w.hi);
    }`
      : 'for (var k = lane; k < p.k; k += p.tpr) { s = s + ld_x(k) * deq(j * p.k + k); }';
  const form = forward ? 'dot' : 'axpy';
  return cached(`${key}:${form}`, () =>
    gemvProgram({
      key,
      form,
      arrays: arrays('x', words, false, scales),
      uniforms: UNIFORMS[scales],
      part,
      prelude: dequant(scales),
      setup: LOAD_CODES,
    }),
  );
}

export function nf4Matmul(gpu: WebGpuState, args: Nf4MatmulArgs): void {
  checkNf4MatmulArgs(args);
  const { x, packed, absmax, nested, code, out, m, n, k, blocksize } = args;
  const forward = args.mode === 'forward';
  const accumulate = args.accumulate ?? false;
  const outCols = forward ? n : k; // out (M, N) or (M, K)
  const depth = forward ? k : n; // the reduction
  if (m === 0 || outCols === 0) return;
  const words = k % 8 === 0 && blocksize % 8 === 0 && aligned4(packed);
  const scales: Scales = absmax ? 'absmax' : 'nested';
  let weights: Record<string, DeviceArray> = { packed, code };
  let extra: Record<string, number> = { bs: blocksize };
  if (absmax) weights = { ...weights, absmax };
  else {
    const { qabsmax, nestedAbsmax, nestedCode, nestedBlocksize, offset } = nested!; // checked: exactly one form
    weights = { ...weights, qabsmax, nestedAbsmax, nestedCode };
    extra = { ...extra, nbs: nestedBlocksize, offset, zero: 0 };
  }
  if (m === 1) {
    const wordsHere = forward && words && aligned4(x);
    const call = {
      j: outCols,
      k: depth,
      batch: 1,
      xBs: 0,
      wBs: 0,
      outBs: 0,
      alpha: 1,
      accumulate,
      step: wordsHere ? 8 : 1,
    };
    runGemv(
      gpu,
      gemv(forward, wordsHere, scales),
      forward ? 'dot' : 'axpy',
      call,
      { x, ...weights },
      out,
      extra,
    );
    return;
  }
  const x4 = depth % 4 === 0 && aligned4(x);
  runTiled(
    gpu,
    { m, n: outCols, k: depth, batch: 1, aBs: 0, bBs: 0, alpha: 1, accumulate },
    (cfg, out4) => tiled(cfg, forward, words, x4, out4, scales),
    { a: x, ...weights },
    out,
    extra,
  );
}

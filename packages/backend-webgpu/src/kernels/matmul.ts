// matmul and batchedMatmul on webgpu (BLAS sgemm with beta ∈ {0, 1}): out = alpha·op(A)·op(B) [+ out].
// M = 1 or N = 1 runs as a matrix-vector product; everything else as the tiled GEMM, batch on the z dimension.
import { type BatchedMatmulArgs, checkMatmulArgs, type MatmulArgs } from '@lora/core';
import type { ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';
import { aligned4, runTiled } from './gemm-dispatch.js';
import { gemvProgram, runGemv } from './gemv.js';
import { loadA, loadB, type TileConfig, tiledProgram } from './matmul-wgsl.js';

const specs = new Map<string, ProgramSpec>();
function cached(key: string, make: () => ProgramSpec): ProgramSpec {
  let spec = specs.get(key);
  if (!spec) specs.set(key, (spec = make()));
  return spec;
}

/** The tiled variant: layout, which operands are read as vec4, tile config. */
function tiled(cfg: TileConfig, transA: boolean, transB: boolean, a4: boolean, b4: boolean, out4: boolean) {
  const key = `matmul:${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}:a${a4 ? 4 : 1}b${b4 ? 4 : 1}o${out4 ? 4 : 1}`;
  return cached(`${key}:${cfg.name}`, () =>
    tiledProgram(cfg, {
      key,
      arrays: [
        { name: 'a', type: 'f32', vec4: a4 },
        { name: 'b', type: 'f32', vec4: b4 },
        { name: 'out', type: 'f32', write: true, vec4: out4 },
      ],
      aLayout: transA ? 'km' : 'mk',
      loadA: loadA(transA, a4),
      loadB: loadB(transB, b4),
      out4,
    }),
  );
}

/** x · W(j, ·) over rows of W ('dot', vec4 when K and both views allow) or over its columns ('axpy'). */
function gemv(form: 'dot' | 'axpy', vec4: boolean) {
  const key = `matmul-gemv${vec4 ? ':v4' : ''}`;
  const part =
    form === 'axpy'
      ? 'for (var k = sl; k < p.k; k += SLICES) { s = s + ld_x(xb + k) * ld_w(wb + k * p.j + j); }'
      : vec4
        ? `let wr = (wb + j * p.k) / 4u;
    for (var q = lane; q < p.k / 4u; q += p.tpr) { s = s + dot(ld4_x(xb / 4u + q), ld4_w(wr + q)); }`
        : 'for (var k = lane; k < p.k; k += p.tpr) { s = s + ld_x(xb + k) * ld_w(wb + j * p.k + k); }';
  return cached(`${key}:${form}`, () =>
    gemvProgram({
      key,
      form,
      arrays: [
        { name: 'x', type: 'f32', vec4 },
        { name: 'w', type: 'f32', vec4 },
        { name: 'out', type: 'f32', write: true },
      ],
      part,
    }),
  );
}

function gemm(gpu: WebGpuState, args: MatmulArgs, batch: number): void {
  const { a, b, out, m, n, k } = args;
  const transA = args.transA ?? false;
  const transB = args.transB ?? false;
  const alpha = args.alpha ?? 1;
  const accumulate = args.accumulate ?? false;
  if (m === 0 || n === 0 || batch === 0) return;
  if (m === 1 || n === 1) {
    // M = 1: x = the row of op(A) (K contiguous in both layouts), W = op(B)ᵀ, whose rows are B's when transB.
    // N = 1: x = the column of op(B) (contiguous), W = op(A), whose rows are A's unless transA.
    const rowM = m === 1;
    const [x, w, j] = rowM ? [a, b, n] : [b, a, m];
    const form = (rowM ? transB : !transA) ? 'dot' : 'axpy';
    const vec4 = form === 'dot' && k % 4 === 0 && aligned4(x) && aligned4(w);
    const call = { j, k, batch, xBs: k, wBs: j * k, outBs: j, alpha, accumulate, step: vec4 ? 4 : 1 };
    runGemv(gpu, gemv(form, vec4), form, call, { x, w }, out);
    return;
  }
  const a4 = (transA ? m : k) % 4 === 0 && aligned4(a);
  const b4 = (transB ? k : n) % 4 === 0 && aligned4(b);
  runTiled(
    gpu,
    { m, n, k, batch, aBs: m * k, bBs: k * n, alpha, accumulate },
    (cfg, out4) => tiled(cfg, transA, transB, a4, b4, out4),
    { a, b },
    out,
  );
}

export function matmul(gpu: WebGpuState, args: MatmulArgs): void {
  checkMatmulArgs('matmul', args, 1);
  gemm(gpu, args, 1);
}

export function batchedMatmul(gpu: WebGpuState, args: BatchedMatmulArgs): void {
  checkMatmulArgs('batchedMatmul', args, args.batch);
  gemm(gpu, args, args.batch);
}

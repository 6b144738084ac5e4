// Reference: packages/core/src/kernels/reference/layernorm.ts — LayerNorm (torch layer_norm, biased variance, two
// passes) and its backward (llm.c layernorm_backward): float32 lanes, row sums with float64 partials.
import { argF64, argI32, argPtr, at, quadShare, shareHi, shareLo, shareStart } from './job-args';
import { addWide, BLOCK_VECTORS, hsum64 } from './math';

/** Σ (x − shift)^power over cols floats at p (power 1 or 2), float64 partials */
function rowSum(p: usize, cols: i32, shift: f32, square: bool): f64 {
  const vecEnd = cols & ~3;
  const s4 = f32x4.splat(shift);
  let acc64 = f64x2.splat(0);
  for (let c0 = 0; c0 < vecEnd; c0 += BLOCK_VECTORS * 4) {
    const c1 = min(vecEnd, c0 + BLOCK_VECTORS * 4);
    let acc = f32x4.splat(0);
    for (let c = c0; c < c1; c += 4) {
      const d = f32x4.sub(v128.load(at(p, c)), s4);
      acc = f32x4.add(acc, square ? f32x4.mul(d, d) : d);
    }
    acc64 = addWide(acc64, acc);
  }
  let sum = hsum64(acc64);
  for (let c = vecEnd; c < cols; c++) {
    const d = load<f32>(at(p, c)) - shift;
    sum += <f64>(square ? d * d : d);
  }
  return sum;
}

/**
 * Job EW_LAYERNORM, rows split across threads: out = (x − mean) · rstd · w + b, rstd = 1 / sqrt(var + eps).
 * Args: x, weight, bias, out, mean, rstd, rows, cols, eps (f64, words 8–9).
 */
export function layernormThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const weight = argPtr(job, 1);
  const bias = argPtr(job, 2);
  const out = argPtr(job, 3);
  const meanOut = argPtr(job, 4);
  const rstdOut = argPtr(job, 5);
  const rows = argI32(job, 6);
  const cols = argI32(job, 7);
  const eps = argF64(job, 8);
  const vecEnd = cols & ~3;
  const r1 = shareStart(rows, tid + 1, nthreads);
  for (let r = shareStart(rows, tid, nthreads); r < r1; r++) {
    const xr = at(x, r * cols);
    const or = at(out, r * cols);
    const mu = <f32>(rowSum(xr, cols, 0, false) / <f64>cols);
    const rs = <f32>(1 / Math.sqrt(rowSum(xr, cols, mu, true) / <f64>cols + eps));
    store<f32>(at(meanOut, r), mu); // (T)
    store<f32>(at(rstdOut, r), rs); // (T)
    const mu4 = f32x4.splat(mu);
    const rs4 = f32x4.splat(rs);
    for (let c = 0; c < vecEnd; c += 4) {
      const xhat = f32x4.mul(f32x4.sub(v128.load(at(xr, c)), mu4), rs4);
      v128.store(at(or, c), f32x4.add(f32x4.mul(xhat, v128.load(at(weight, c))), v128.load(at(bias, c)))); // (T, C)
    }
    for (let c = vecEnd; c < cols; c++) {
      store<f32>(
        at(or, c),
        (load<f32>(at(xr, c)) - mu) * rs * load<f32>(at(weight, c)) + load<f32>(at(bias, c)),
      );
    }
  }
}

/**
 * Job EW_LAYERNORM_BACKWARD. Rows split for dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)), g = dout · w,
 * x̂ = (x − mean) · rstd; columns split (in fours) for dweight += Σ_rows dout · x̂ and dbias += Σ_rows dout (float64
 * sums in row order, added once), so nothing depends on the thread count.
 * Args: dout, x, weight, mean, rstd, dx, dweight (0: none), dbias (0: none), rows, cols.
 */
export function layernormBackwardThread(job: usize, tid: i32, nthreads: i32): void {
  const dout = argPtr(job, 0);
  const x = argPtr(job, 1);
  const weight = argPtr(job, 2);
  const mean = argPtr(job, 3);
  const rstd = argPtr(job, 4);
  const dx = argPtr(job, 5);
  const dweight = argPtr(job, 6);
  const dbias = argPtr(job, 7);
  const rows = argI32(job, 8);
  const cols = argI32(job, 9);
  const vecEnd = cols & ~3;
  const r1 = shareStart(rows, tid + 1, nthreads);
  for (let r = shareStart(rows, tid, nthreads); r < r1; r++) {
    const base = r * cols;
    const mu4 = v128.load32_splat(at(mean, r));
    const rs4 = v128.load32_splat(at(rstd, r));
    let g64 = f64x2.splat(0);
    let gx64 = f64x2.splat(0);
    for (let c0 = 0; c0 < vecEnd; c0 += BLOCK_VECTORS * 4) {
      const c1 = min(vecEnd, c0 + BLOCK_VECTORS * 4);
      let g4 = f32x4.splat(0);
      let gx4 = f32x4.splat(0);
      for (let c = c0; c < c1; c += 4) {
        const g = f32x4.mul(v128.load(at(dout, base + c)), v128.load(at(weight, c)));
        const xhat = f32x4.mul(f32x4.sub(v128.load(at(x, base + c)), mu4), rs4);
        g4 = f32x4.add(g4, g);
        gx4 = f32x4.add(gx4, f32x4.mul(g, xhat));
      }
      g64 = addWide(g64, g4);
      gx64 = addWide(gx64, gx4);
    }
    let gSum = hsum64(g64);
    let gxSum = hsum64(gx64);
    const mu = f32x4.extract_lane(mu4, 0);
    const rs = f32x4.extract_lane(rs4, 0);
    for (let c = vecEnd; c < cols; c++) {
      const g = load<f32>(at(dout, base + c)) * load<f32>(at(weight, c));
      gSum += <f64>g;
      gxSum += <f64>(g * ((load<f32>(at(x, base + c)) - mu) * rs));
    }
    const gMean = <f32>(gSum / <f64>cols);
    const gxMean = <f32>(gxSum / <f64>cols);
    const gm4 = f32x4.splat(gMean);
    const gxm4 = f32x4.splat(gxMean);
    for (let c = 0; c < vecEnd; c += 4) {
      const g = f32x4.mul(v128.load(at(dout, base + c)), v128.load(at(weight, c)));
      const xhat = f32x4.mul(f32x4.sub(v128.load(at(x, base + c)), mu4), rs4);
      v128.store(at(dx, base + c), f32x4.mul(rs4, f32x4.sub(f32x4.sub(g, gm4), f32x4.mul(xhat, gxm4)))); // (T, C)
    }
    for (let c = vecEnd; c < cols; c++) {
      const g = load<f32>(at(dout, base + c)) * load<f32>(at(weight, c));
      const xhat = (load<f32>(at(x, base + c)) - mu) * rs;
      store<f32>(at(dx, base + c), rs * (g - gMean - xhat * gxMean));
    }
  }
  if (dweight || dbias) columnSums(dout, x, mean, rstd, dweight, dbias, rows, cols, tid, nthreads);
}

/** dweight[c] += Σ_r dout · x̂ and dbias[c] += Σ_r dout for this thread's columns, float64 sums in row order */
function columnSums(
  dout: usize,
  x: usize,
  mean: usize,
  rstd: usize,
  dweight: usize,
  dbias: usize,
  rows: i32,
  cols: i32,
  tid: i32,
  nthreads: i32,
): void {
  const share = quadShare(cols, tid, nthreads);
  const end = shareHi(share);
  for (let c = shareLo(share); c < end; c++) {
    let sw: f64 = 0;
    let sb: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const d = load<f32>(at(dout, r * cols + c));
      sw += <f64>(d * ((load<f32>(at(x, r * cols + c)) - load<f32>(at(mean, r))) * load<f32>(at(rstd, r))));
      sb += <f64>d;
    }
    if (dweight) store<f32>(at(dweight, c), <f32>(<f64>load<f32>(at(dweight, c)) + sw)); // (C)
    if (dbias) store<f32>(at(dbias, c), <f32>(<f64>load<f32>(at(dbias, c)) + sb)); // (C)
  }
}

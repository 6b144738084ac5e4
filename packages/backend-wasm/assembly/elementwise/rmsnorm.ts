// Reference: packages/core/src/kernels/reference/rmsnorm.ts — RMSNorm (transformers LlamaRMSNorm, GemmaRMSNorm with
// weightOffset 1) and its backward (llm.c style): float32 lanes, row sums with float64 partials.
import { argF32, argF64, argI32, argPtr, at, quadShare, shareHi, shareLo, shareStart } from './job-args';
import { addWide, BLOCK_VECTORS, hsum64 } from './math';

/** Σ x² over cols floats at p, float64 partials */
function sumSquares(p: usize, cols: i32): f64 {
  const vecEnd = cols & ~3;
  let acc64 = f64x2.splat(0);
  for (let c0 = 0; c0 < vecEnd; c0 += BLOCK_VECTORS * 4) {
    const c1 = min(vecEnd, c0 + BLOCK_VECTORS * 4);
    let acc = f32x4.splat(0);
    for (let c = c0; c < c1; c += 4) {
      const v = v128.load(at(p, c));
      acc = f32x4.add(acc, f32x4.mul(v, v));
    }
    acc64 = addWide(acc64, acc);
  }
  let sum = hsum64(acc64);
  for (let c = vecEnd; c < cols; c++) {
    const v = load<f32>(at(p, c));
    sum += <f64>(v * v);
  }
  return sum;
}

/**
 * Job EW_RMSNORM, rows split across threads: out = x · rstd · (offset + w), rstd = 1 / sqrt(mean(x²) + eps).
 * Args: x, weight, out, rstd, rows, cols, offset (f32), eps (f64, words 7–8).
 */
export function rmsnormThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const weight = argPtr(job, 1);
  const out = argPtr(job, 2);
  const rstd = argPtr(job, 3);
  const rows = argI32(job, 4);
  const cols = argI32(job, 5);
  const offset = argF32(job, 6);
  const eps = argF64(job, 7);
  const o4 = f32x4.splat(offset);
  const vecEnd = cols & ~3;
  const r1 = shareStart(rows, tid + 1, nthreads);
  for (let r = shareStart(rows, tid, nthreads); r < r1; r++) {
    const xr = at(x, r * cols);
    const or = at(out, r * cols);
    const rs = <f32>(1 / Math.sqrt(sumSquares(xr, cols) / <f64>cols + eps));
    store<f32>(at(rstd, r), rs); // (T)
    const rs4 = f32x4.splat(rs);
    for (let c = 0; c < vecEnd; c += 4) {
      const w = f32x4.add(o4, v128.load(at(weight, c)));
      v128.store(at(or, c), f32x4.mul(f32x4.mul(v128.load(at(xr, c)), rs4), w)); // (T, C)
    }
    for (let c = vecEnd; c < cols; c++)
      store<f32>(at(or, c), load<f32>(at(xr, c)) * rs * (offset + load<f32>(at(weight, c))));
  }
}

/**
 * Job EW_RMSNORM_BACKWARD. Rows split across threads for dx = rstd · (g − x̂ · mean(g · x̂)), g = dout · (offset + w),
 * x̂ = x · rstd; columns split across threads for dweight += Σ_rows dout · x̂ (float64 sums in row order, added
 * once), so neither depends on the thread count. Args: dout, x, weight, rstd, dx, dweight (0: none), rows, cols,
 * offset (f32).
 */
export function rmsnormBackwardThread(job: usize, tid: i32, nthreads: i32): void {
  const dout = argPtr(job, 0);
  const x = argPtr(job, 1);
  const weight = argPtr(job, 2);
  const rstd = argPtr(job, 3);
  const dx = argPtr(job, 4);
  const dweight = argPtr(job, 5);
  const rows = argI32(job, 6);
  const cols = argI32(job, 7);
  const offset = argF32(job, 8);
  const o4 = f32x4.splat(offset);
  const vecEnd = cols & ~3;
  const r1 = shareStart(rows, tid + 1, nthreads);
  for (let r = shareStart(rows, tid, nthreads); r < r1; r++) {
    const base = r * cols;
    const rs = load<f32>(at(rstd, r));
    // Σ g · x (float64 partials), then · rstd / C
    let acc64 = f64x2.splat(0);
    for (let c0 = 0; c0 < vecEnd; c0 += BLOCK_VECTORS * 4) {
      const c1 = min(vecEnd, c0 + BLOCK_VECTORS * 4);
      let acc = f32x4.splat(0);
      for (let c = c0; c < c1; c += 4) {
        const g = f32x4.mul(v128.load(at(dout, base + c)), f32x4.add(o4, v128.load(at(weight, c))));
        acc = f32x4.add(acc, f32x4.mul(g, v128.load(at(x, base + c))));
      }
      acc64 = addWide(acc64, acc);
    }
    let dot = hsum64(acc64);
    for (let c = vecEnd; c < cols; c++) {
      dot += <f64>(
        (load<f32>(at(dout, base + c)) * (offset + load<f32>(at(weight, c))) * load<f32>(at(x, base + c)))
      );
    }
    const mean = <f32>((dot * <f64>rs) / <f64>cols);
    const rs4 = f32x4.splat(rs);
    const m4 = f32x4.splat(mean);
    for (let c = 0; c < vecEnd; c += 4) {
      const g = f32x4.mul(v128.load(at(dout, base + c)), f32x4.add(o4, v128.load(at(weight, c))));
      const xhat = f32x4.mul(v128.load(at(x, base + c)), rs4);
      v128.store(at(dx, base + c), f32x4.mul(rs4, f32x4.sub(g, f32x4.mul(xhat, m4)))); // (T, C)
    }
    for (let c = vecEnd; c < cols; c++) {
      const g = load<f32>(at(dout, base + c)) * (offset + load<f32>(at(weight, c)));
      store<f32>(at(dx, base + c), rs * (g - load<f32>(at(x, base + c)) * rs * mean));
    }
  }
  if (dweight) columnSums(dout, x, rstd, dweight, rows, cols, tid, nthreads);
}

/** dweight[c] += Σ_r dout[r, c] · x[r, c] · rstd[r] for this thread's columns (multiples of 4), float64 sums */
function columnSums(
  dout: usize,
  x: usize,
  rstd: usize,
  dweight: usize,
  rows: i32,
  cols: i32,
  tid: i32,
  nthreads: i32,
): void {
  const share = quadShare(cols, tid, nthreads);
  const end = shareHi(share);
  let c = shareLo(share);
  for (; c + 4 <= end; c += 4) {
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    for (let r = 0; r < rows; r++) {
      const xhat = f32x4.mul(v128.load(at(x, r * cols + c)), v128.load32_splat(at(rstd, r)));
      const v = f32x4.mul(v128.load(at(dout, r * cols + c)), xhat);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1)));
    }
    const w = v128.load(at(dweight, c));
    const sumLo = f64x2.add(f64x2.promote_low_f32x4(w), lo);
    const sumHi = f64x2.add(f64x2.promote_low_f32x4(f32x4.shuffle(w, w, 2, 3, 0, 1)), hi);
    v128.store(
      at(dweight, c),
      f32x4.shuffle(f32x4.demote_f64x2_zero(sumLo), f32x4.demote_f64x2_zero(sumHi), 0, 1, 4, 5),
    ); // (C)
  }
  for (; c < end; c++) {
    let sum: f64 = 0;
    for (let r = 0; r < rows; r++) {
      sum += <f64>(
        (load<f32>(at(dout, r * cols + c)) * (load<f32>(at(x, r * cols + c)) * load<f32>(at(rstd, r))))
      );
    }
    store<f32>(at(dweight, c), <f32>(<f64>load<f32>(at(dweight, c)) + sum));
  }
}

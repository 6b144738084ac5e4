// Reference: packages/core/src/kernels/reference/softmax.ts — row softmax (torch.softmax(x, dim=-1)) and its
// backward dx = y ⊙ (dy − Σ y·dy), float32 lanes with float64 partial sums (math.ts addWide).
import { argI32, argPtr, at, shareStart } from './job-args';
import { addWide, BLOCK_VECTORS, hsum64, sexp, vexp } from './math';

/** the largest of cols floats at p (NaN if any is NaN, −Infinity for cols = 0), exact */
export function rowMax(p: usize, cols: i32, start: f32): f32 {
  const vecEnd = cols & ~3;
  let m4 = f32x4.splat(start);
  for (let c = 0; c < vecEnd; c += 4) m4 = f32x4.max(m4, v128.load(at(p, c)));
  let m = max(
    max(f32x4.extract_lane(m4, 0), f32x4.extract_lane(m4, 1)),
    max(f32x4.extract_lane(m4, 2), f32x4.extract_lane(m4, 3)),
  );
  for (let c = vecEnd; c < cols; c++) m = max(m, load<f32>(at(p, c)));
  return m;
}

/** Σ exp(x − shift) over cols floats at p; writes each exp to dst when dst ≠ 0 */
export function sumExp(p: usize, cols: i32, shift: f32, dst: usize): f64 {
  const vecEnd = cols & ~3;
  const s4 = f32x4.splat(shift);
  let acc64 = f64x2.splat(0);
  for (let c0 = 0; c0 < vecEnd; c0 += BLOCK_VECTORS * 4) {
    const c1 = min(vecEnd, c0 + BLOCK_VECTORS * 4);
    let acc = f32x4.splat(0);
    for (let c = c0; c < c1; c += 4) {
      const e = vexp(f32x4.sub(v128.load(at(p, c)), s4));
      if (dst) v128.store(at(dst, c), e);
      acc = f32x4.add(acc, e);
    }
    acc64 = addWide(acc64, acc);
  }
  let sum = hsum64(acc64);
  for (let c = vecEnd; c < cols; c++) {
    const e = sexp(load<f32>(at(p, c)) - shift);
    if (dst) store<f32>(at(dst, c), e);
    sum += <f64>e;
  }
  return sum;
}

/** Job EW_SOFTMAX, rows split across threads. Args: x, out, rows, cols. */
export function softmaxThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const out = argPtr(job, 1);
  const rows = argI32(job, 2);
  const cols = argI32(job, 3);
  const r1 = shareStart(rows, tid + 1, nthreads);
  for (let r = shareStart(rows, tid, nthreads); r < r1; r++) {
    const xr = at(x, r * cols);
    const or = at(out, r * cols);
    const m = rowMax(xr, cols, -Infinity); // a row of only −Infinity gives NaN, as in torch
    const inv = f32x4.splat(<f32>(1 / sumExp(xr, cols, m, or)));
    const vecEnd = cols & ~3;
    for (let c = 0; c < vecEnd; c += 4) v128.store(at(or, c), f32x4.mul(v128.load(at(or, c)), inv)); // (T, C)
    for (let c = vecEnd; c < cols; c++)
      store<f32>(at(or, c), load<f32>(at(or, c)) * f32x4.extract_lane(inv, 0));
  }
}

/** Σ a·b over cols floats, float64 partials */
export function rowDot(a: usize, b: usize, cols: i32): f64 {
  const vecEnd = cols & ~3;
  let acc64 = f64x2.splat(0);
  for (let c0 = 0; c0 < vecEnd; c0 += BLOCK_VECTORS * 4) {
    const c1 = min(vecEnd, c0 + BLOCK_VECTORS * 4);
    let acc = f32x4.splat(0);
    for (let c = c0; c < c1; c += 4)
      acc = f32x4.add(acc, f32x4.mul(v128.load(at(a, c)), v128.load(at(b, c))));
    acc64 = addWide(acc64, acc);
  }
  let sum = hsum64(acc64);
  for (let c = vecEnd; c < cols; c++) sum += <f64>(load<f32>(at(a, c)) * load<f32>(at(b, c)));
  return sum;
}

/** Job EW_SOFTMAX_BACKWARD, rows split across threads. Args: y, dy, dx, rows, cols. */
export function softmaxBackwardThread(job: usize, tid: i32, nthreads: i32): void {
  const y = argPtr(job, 0);
  const dy = argPtr(job, 1);
  const dx = argPtr(job, 2);
  const rows = argI32(job, 3);
  const cols = argI32(job, 4);
  const vecEnd = cols & ~3;
  const r1 = shareStart(rows, tid + 1, nthreads);
  for (let r = shareStart(rows, tid, nthreads); r < r1; r++) {
    const yr = at(y, r * cols);
    const dyr = at(dy, r * cols);
    const dxr = at(dx, r * cols);
    const dot = <f32>rowDot(yr, dyr, cols);
    const d4 = f32x4.splat(dot);
    for (let c = 0; c < vecEnd; c += 4) {
      v128.store(at(dxr, c), f32x4.mul(v128.load(at(yr, c)), f32x4.sub(v128.load(at(dyr, c)), d4))); // (T, C)
    }
    for (let c = vecEnd; c < cols; c++)
      store<f32>(at(dxr, c), load<f32>(at(yr, c)) * (load<f32>(at(dyr, c)) - dot));
  }
}

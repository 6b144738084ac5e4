// Reference: the BLIS micro-kernel (Van Zee & van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS
// Functionality", ACM TOMS 2015): an MR×NR tile of C kept in registers, updated by rank-1 products of packed panels.

/** rows of the register tile; A is packed in MR-row panels */
export const MR: i32 = 4;
/** columns of the register tile; B is packed in NR-column panels */
export const NR: i32 = 8;

// 4×8 was measured against 6×8, 4×12, 8×4, 4×16, A broadcast by shuffle, pre-splatted A and 2×/4× unrolled 4×8 on
// x86-64 V8: V8 allocates 15 xmm registers and this is the largest tile whose 8 accumulators, 2 B vectors, A
// broadcast and product temporary fit without spills, and the plain loop beat the unrolled ones. Packed panels take
// a loop with one A pointer and constant strides: on 2026-11-22 it lifted a 1-thread 512×896×896 GEMM from 79–87%
// to 88–95% of the same micro-kernel over L2-resident panels (interleaved in one process, relaxed build). Thin
// products that read A in place use four row pointers with the source's strides.

/** a·b + c, fused (one rounding) when built with relaxed SIMD, else a multiply then an add */
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * C (MR, NR) at `c` (row stride `ldc` elements) = alpha · A (MR, kc) · B (kc, NR) [+ C when accumulate].
 * Row r of A starts at pa + r·aRow and advances aStep bytes per p; B's NR values for p start at pb and
 * advance bStep bytes per p. Packed panels have aRow = 4, aStep = 4·MR and bStep = 4·NR; a thin product
 * passes its unpacked source strides instead (see gemm.ts).
 */
export function microkernel(
  kc: i32,
  pa: usize,
  aRow: usize,
  aStep: usize,
  pb: usize,
  bStep: usize,
  c: usize,
  ldc: i32,
  alpha: f32,
  accumulate: bool,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  if (aRow === 4 && aStep === (<usize>MR) << 2 && bStep === (<usize>NR) << 2) {
    // packed panels: one A pointer with constant offsets, and constant strides (fewer loop-carried adds)
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(pb); // B(p, 0:4)
      const b1 = v128.load(pb, 16); // B(p, 4:8)
      let a = v128.load32_splat(pa); // A(0, p) in every lane
      c00 = madd(a, b0, c00);
      c01 = madd(a, b1, c01);
      a = v128.load32_splat(pa, 4);
      c10 = madd(a, b0, c10);
      c11 = madd(a, b1, c11);
      a = v128.load32_splat(pa, 8);
      c20 = madd(a, b0, c20);
      c21 = madd(a, b1, c21);
      a = v128.load32_splat(pa, 12);
      c30 = madd(a, b0, c30);
      c31 = madd(a, b1, c31);
      pa += (<usize>MR) << 2;
      pb += (<usize>NR) << 2;
    }
  } else {
    let pa1 = pa + aRow;
    let pa2 = pa1 + aRow;
    let pa3 = pa2 + aRow;
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(pb); // B(p, 0:4)
      const b1 = v128.load(pb, 16); // B(p, 4:8)
      let a = v128.load32_splat(pa); // A(0, p) in every lane
      c00 = madd(a, b0, c00);
      c01 = madd(a, b1, c01);
      a = v128.load32_splat(pa1);
      c10 = madd(a, b0, c10);
      c11 = madd(a, b1, c11);
      a = v128.load32_splat(pa2);
      c20 = madd(a, b0, c20);
      c21 = madd(a, b1, c21);
      a = v128.load32_splat(pa3);
      c30 = madd(a, b0, c30);
      c31 = madd(a, b1, c31);
      pa += aStep;
      pa1 += aStep;
      pa2 += aStep;
      pa3 += aStep;
      pb += bStep;
    }
  }
  const va = f32x4.splat(alpha);
  const row = (<usize>ldc) << 2;
  storeRow(c, c00, c01, va, accumulate);
  storeRow(c + row, c10, c11, va, accumulate);
  storeRow(c + 2 * row, c20, c21, va, accumulate);
  storeRow(c + 3 * row, c30, c31, va, accumulate);
}

/** C(r, 0:8) = alpha·acc [+ C(r, 0:8)]: a multiply then an add, matching the scalar edge path exactly */
function storeRow(c: usize, lo: v128, hi: v128, alpha: v128, accumulate: bool): void {
  let l = f32x4.mul(lo, alpha);
  let h = f32x4.mul(hi, alpha);
  if (accumulate) {
    l = f32x4.add(v128.load(c), l);
    h = f32x4.add(v128.load(c, 16), h);
  }
  v128.store(c, l);
  v128.store(c, h, 16);
}

/** Copy the valid rows × cols of an MR×NR tile (unscaled sums) into C with the same alpha and accumulate rule. */
export function storeEdge(
  tile: usize,
  c: usize,
  ldc: i32,
  rows: i32,
  cols: i32,
  alpha: f32,
  accumulate: bool,
): void {
  for (let r = 0; r < rows; r++) {
    const dst = c + ((<usize>r * <usize>ldc) << 2);
    const src = tile + ((<usize>r * <usize>NR) << 2);
    for (let j = 0; j < cols; j++) {
      const at = dst + ((<usize>j) << 2);
      const scaled = load<f32>(src + ((<usize>j) << 2)) * alpha;
      store<f32>(at, accumulate ? load<f32>(at) + scaled : scaled);
    }
  }
}

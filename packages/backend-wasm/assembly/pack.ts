// Reference: GotoBLAS/BLIS packing (Goto & van de Geijn, "Anatomy of High-Performance Matrix Multiplication",
// ACM TOMS 2008): copy a block of an operand into contiguous micro-panels in the order the micro-kernel reads.
//
// A panel holds `width` lanes (MR rows of A, or NR columns of B) for each p in [0, kc): panel[p * width + lane].
// The source element (lane, p) lives at src[lane * laneStride + p * pStride] (element strides), so one set of
// routines packs all four transpose layouts: the fast paths are lanes contiguous (laneStride 1: one v128 per
// four lanes) and p contiguous (pStride 1: 4×4 transposes); anything else, and the zero-padded edge panel, goes
// through the scalar path.

/** Pack `lanes` (≤ width) valid lanes × kc into one zero-padded panel of `width` lanes at dst. */
export function packPanel(
  src: usize,
  laneStride: i32,
  pStride: i32,
  lanes: i32,
  width: i32,
  kc: i32,
  dst: usize,
): void {
  if (lanes === width && laneStride === 1) packLanesContiguous(src, pStride, width, kc, dst);
  else if (lanes === width && pStride === 1) {
    for (let g = 0; g < width; g += 4) {
      packTransposed4(
        src + ((<usize>g * <usize>laneStride) << 2),
        laneStride,
        width,
        kc,
        dst + ((<usize>g) << 2),
      );
    }
  } else packScalar(src, laneStride, pStride, lanes, width, kc, dst);
}

/** width (a multiple of 4) contiguous lanes at each p: straight v128 copies */
function packLanesContiguous(src: usize, pStride: i32, width: i32, kc: i32, dst: usize): void {
  const srcStep = (<usize>pStride) << 2;
  const dstStep = (<usize>width) << 2;
  for (let p = 0; p < kc; p++) {
    for (let v = 0; v < width; v += 4) {
      const off = (<usize>v) << 2;
      v128.store(dst + off, v128.load(src + off));
    }
    src += srcStep;
    dst += dstStep;
  }
}

/**
 * Four lanes, each contiguous along p (lane l at src + l * laneStride): transpose 4×4 blocks so that each p
 * gets its four lanes side by side, written at dst + p * width.
 */
function packTransposed4(src: usize, laneStride: i32, width: i32, kc: i32, dst: usize): void {
  const ls = (<usize>laneStride) << 2;
  const row = (<usize>width) << 2;
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const at = src + ((<usize>p) << 2);
    const r0 = v128.load(at); // lane 0, p..p+3
    const r1 = v128.load(at + ls);
    const r2 = v128.load(at + 2 * ls);
    const r3 = v128.load(at + 3 * ls);
    const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5); // l0p0 l1p0 l0p1 l1p1
    const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7); // l0p2 l1p2 l0p3 l1p3
    const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
    const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    const out = dst + <usize>p * row;
    v128.store(out, i32x4.shuffle(t0, t2, 0, 1, 4, 5)); // p: lanes 0..3
    v128.store(out + row, i32x4.shuffle(t0, t2, 2, 3, 6, 7)); // p + 1
    v128.store(out + 2 * row, i32x4.shuffle(t1, t3, 0, 1, 4, 5)); // p + 2
    v128.store(out + 3 * row, i32x4.shuffle(t1, t3, 2, 3, 6, 7)); // p + 3
  }
  for (; p < kc; p++) {
    const at = src + ((<usize>p) << 2);
    const out = dst + <usize>p * row;
    for (let l = 0; l < 4; l++) store<f32>(out + ((<usize>l) << 2), load<f32>(at + <usize>l * ls));
  }
}

/** Any strides; lanes in [lanes, width) are zero so edge tiles need no special case in the micro-kernel. */
function packScalar(
  src: usize,
  laneStride: i32,
  pStride: i32,
  lanes: i32,
  width: i32,
  kc: i32,
  dst: usize,
): void {
  const ls = (<usize>laneStride) << 2;
  const ps = (<usize>pStride) << 2;
  for (let p = 0; p < kc; p++) {
    const at = src + <usize>p * ps;
    const out = dst + ((<usize>p * <usize>width) << 2);
    for (let l = 0; l < width; l++)
      store<f32>(out + ((<usize>l) << 2), l < lanes ? load<f32>(at + <usize>l * ls) : 0);
  }
}

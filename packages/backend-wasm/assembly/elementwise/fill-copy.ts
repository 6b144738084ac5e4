// Reference: packages/core/src/kernels/reference/fill-copy.ts — torch.Tensor.fill_ and .copy_ between strided views.
import { argI32, argPtr, at, quadShare, shareHi, shareLo, shareStart } from './job-args';

/**
 * Job EW_FILL, elements split across threads (multiples of 4): every 32-bit word of x[0 … n) = bits (a float32's
 * or an int32's, chosen by the caller). Args: x, n, bits.
 */
export function fillThread(job: usize, tid: i32, nthreads: i32): void {
  const x = argPtr(job, 0);
  const share = quadShare(argI32(job, 1), tid, nthreads);
  const bits = argI32(job, 2);
  const v = i32x4.splat(bits);
  const end = shareHi(share);
  let i = shareLo(share);
  for (; i + 16 <= end; i += 16) {
    const p = at(x, i);
    v128.store(p, v);
    v128.store(p, v, 16);
    v128.store(p, v, 32);
    v128.store(p, v, 48);
  }
  for (; i + 4 <= end; i += 4) v128.store(at(x, i), v);
  for (; i < end; i++) store<i32>(at(x, i), bits);
}

/** Runs of at least this many floats are copied with memory.copy; shorter ones with a vector loop. */
const BULK_COPY: i32 = 64;

/** dst[0 … inner) = src[0 … inner) */
function copyRun(dst: usize, src: usize, inner: i32): void {
  if (inner >= BULK_COPY) {
    memory.copy(dst, src, (<usize>inner) << 2);
    return;
  }
  let e = 0;
  for (; e + 4 <= inner; e += 4) v128.store(at(dst, e), v128.load(at(src, e)));
  for (; e < inner; e++) store<i32>(at(dst, e), load<i32>(at(src, e)));
}

/**
 * Job EW_STRIDED_COPY, runs split across threads: for the (i, j, k) run of the counts grid, dst[i·d0 + j·d1 + k·d2
 * + e] = src[i·s0 + j·s1 + k·s2 + e], e < inner. Args: src, dst, counts0, counts1, counts2, inner, s0, s1, s2,
 * d0, d1, d2 (strides in floats).
 */
export function stridedCopyThread(job: usize, tid: i32, nthreads: i32): void {
  const src = argPtr(job, 0);
  const dst = argPtr(job, 1);
  const n1 = argI32(job, 3);
  const n2 = argI32(job, 4);
  const inner = argI32(job, 5);
  const s0 = argI32(job, 6);
  const s1 = argI32(job, 7);
  const s2 = argI32(job, 8);
  const d0 = argI32(job, 9);
  const d1 = argI32(job, 10);
  const d2 = argI32(job, 11);
  const runs = argI32(job, 2) * n1 * n2;
  const r0 = shareStart(runs, tid, nthreads);
  const r1 = shareStart(runs, tid + 1, nthreads);
  if (r0 >= r1) return;
  let i = r0 / (n1 * n2);
  let j = (r0 / n2) % n1;
  let k = r0 % n2;
  for (let r = r0; r < r1; r++) {
    copyRun(at(dst, i * d0 + j * d1 + k * d2), at(src, i * s0 + j * s1 + k * s2), inner);
    if (++k === n2) {
      k = 0;
      if (++j === n1) {
        j = 0;
        i++;
      }
    }
  }
}

// Reference: packages/core/src/kernels/reference/dequantize-absmax.ts — bitsandbytes' dequantize_blockwise of the
// nested 8-bit absmax codes plus the offset (compress_statistics). A gather per element, so scalar: two float32
// operations, each rounded as the reference rounds it (exact).
import { argF32, argI32, argPtr, at, quadShare, shareHi, shareLo } from './job-args';

/**
 * Job EW_DEQUANTIZE_ABSMAX, elements split across threads (multiples of 4): out[i] = code[q[i]] ·
 * nestedAbsmax[⌊i / blocksize⌋] + offset. Args: qabsmax (u8), nestedAbsmax, nestedCode, nestedBlocksize, offset
 * (f32), out, n.
 */
export function dequantizeAbsmaxThread(job: usize, tid: i32, nthreads: i32): void {
  const q = argPtr(job, 0);
  const nestedAbsmax = argPtr(job, 1);
  const code = argPtr(job, 2);
  const blocksize = argI32(job, 3);
  const offset = argF32(job, 4);
  const out = argPtr(job, 5);
  const share = quadShare(argI32(job, 6), tid, nthreads);
  const end = shareHi(share);
  let i = shareLo(share);
  while (i < end) {
    const block = i / blocksize;
    const blockEnd = min(end, (block + 1) * blocksize);
    const scale = load<f32>(at(nestedAbsmax, block));
    for (; i < blockEnd; i++) {
      const c = load<f32>(at(code, <i32>load<u8>(q + <usize>i)));
      store<f32>(at(out, i), c * scale + offset);
    }
  }
}

// Reference: bitsandbytes kDequantizeBlockwise (4-bit), fused into BLIS B-packing: W's codes become panel floats.
//
// The operand is a 4-bit weight W stored flat: element e has its code index in byte e >> 1 (high nibble when e
// is even) and its scale in absmax[e / blocksize]. As GEMM operand B(p, j) = W_flat[p * rs + j * cs], so
// forward (out = x · Wᵀ, W (N, K) read as Bᵀ) has rs = 1, cs = K and inputGrad (out = dy · W, read as B) has
// rs = K_W, cs = 1. Job words: JOB_B_PTR packed codes (bytes), JOB_B_AUX0 the block scales' descriptor
// (nf4-scales.ts: f32 absmax or the nested form), JOB_B_AUX1 blocksize, JOB_B_AUX2 code table (16 f32). Each weight
// is code · absmax rounded to f32, as the reference kernel has it.
import { JOB_B_AUX0, JOB_B_AUX1, JOB_B_AUX2, JOB_B_CS, JOB_B_PTR, JOB_B_RS, jobI32 } from './job';
import { NR } from './microkernel';
import { blockScale } from './nf4-scales';

/**
 * Dequantize `len` consecutive flat elements from e0, writing each to dst and stepping dstStep bytes; the
 * block scale is loaded once per block run and each code byte once for its two elements.
 */
function dequantizeRun(
  packed: usize,
  scales: usize,
  code: usize,
  blocksize: i32,
  e0: i32,
  len: i32,
  dst: usize,
  dstStep: usize,
): void {
  let e = e0;
  const end = e0 + len;
  while (e < end) {
    const block = e / blocksize;
    const blockEnd = min((block + 1) * blocksize, end);
    const scale = blockScale(scales, block);
    if ((e & 1) !== 0 && e < blockEnd) {
      // odd start: the low nibble of a byte whose high nibble belongs to the previous run
      store<f32>(dst, load<f32>(code + ((<usize>(load<u8>(packed + <usize>(e >> 1)) & 15)) << 2)) * scale);
      dst += dstStep;
      e++;
    }
    for (; e + 1 < blockEnd; e += 2) {
      const byte = <u32>load<u8>(packed + <usize>(e >> 1)); // elements e (high nibble) and e + 1 (low)
      store<f32>(dst, load<f32>(code + ((<usize>(byte >> 4)) << 2)) * scale);
      store<f32>(dst + dstStep, load<f32>(code + ((<usize>(byte & 15)) << 2)) * scale);
      dst += dstStep << 1;
    }
    if (e < blockEnd) {
      store<f32>(dst, load<f32>(code + ((<usize>(load<u8>(packed + <usize>(e >> 1)) >> 4)) << 2)) * scale);
      dst += dstStep;
      e++;
    }
  }
}

/** Zero lanes [lanes, NR) of every p of one (kc, NR) panel. */
function zeroLanes(lanes: i32, kc: i32, dst: usize): void {
  if (lanes >= NR) return;
  for (let p = 0; p < kc; p++) {
    const row = dst + ((<usize>p * <usize>NR) << 2);
    for (let l = lanes; l < NR; l++) store<f32>(row + ((<usize>l) << 2), 0);
  }
}

/** packB for PACK_B_NF4: rows [p0, p0 + kc) × columns [j0, j0 + nc) of the dequantized B, as NR-lane panels. */
export function packBNf4(job: usize, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const packed = <usize>jobI32(job, JOB_B_PTR);
  const scales = <usize>jobI32(job, JOB_B_AUX0);
  const blocksize = jobI32(job, JOB_B_AUX1);
  const code = <usize>jobI32(job, JOB_B_AUX2);
  const rs = jobI32(job, JOB_B_RS);
  const cs = jobI32(job, JOB_B_CS);
  const panelBytes = (<usize>kc * <usize>NR) << 2;
  const rowBytes = (<usize>NR) << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    const lanes = min(NR, nc - jr);
    if (rs === 1) {
      // NT (forward): each lane is a row of W, contiguous along p
      for (let l = 0; l < lanes; l++) {
        const e0 = (j0 + jr + l) * cs + p0;
        dequantizeRun(packed, scales, code, blocksize, e0, kc, dst + ((<usize>l) << 2), rowBytes);
      }
    } else {
      // NN (inputGrad): each p is a row of W, its lanes contiguous
      for (let p = 0; p < kc; p++) {
        const e0 = (p0 + p) * rs + (j0 + jr) * cs;
        dequantizeRun(packed, scales, code, blocksize, e0, lanes, dst + <usize>p * rowBytes, 4);
      }
    }
    zeroLanes(lanes, kc, dst);
    dst += panelBytes;
  }
}

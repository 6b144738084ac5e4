// Reference: GotoBLAS/BLIS packing of B into NR-column micro-panels (see pack.ts).
//
// The seam for other weight formats: a B packer turns rows [p0, p0 + kc) × columns [j0, j0 + nc) of its
// operand into ceil(nc / NR) panels of (kc, NR) floats, zero-padded, and nothing else in the GEMM cares where
// they came from. A fused dequantize-matmul (e.g. NF4) adds a PACK_B_* id, a function with packBF32's
// signature that dequantizes straight into the panel, and a case below; its operand fields are JOB_B_PTR,
// JOB_B_RS, JOB_B_CS, JOB_B_BATCH_STRIDE and JOB_B_AUX0..3, which it may read as it likes.
import { JOB_B_BATCH_STRIDE, JOB_B_CS, JOB_B_PACKER, JOB_B_PTR, JOB_B_RS, f32At, jobI32 } from './job';
import { NR } from './microkernel';
import { packPanel } from './pack';
import { packBNf4 } from './pack-nf4';

/** f32 B at any strides: B(p, j) = b[p * rs + j * cs] */
export const PACK_B_F32: i32 = 0;

/** 4-bit NF4/FP4 weight, dequantized into the panel (pack-nf4.ts); one matrix, no batch */
export const PACK_B_NF4: i32 = 1;

/** Fill ceil(nc / NR) panels at dst with the job's packer; returns the number of panels. */
export function packB(job: usize, bi: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): i32 {
  const packer = jobI32(job, JOB_B_PACKER);
  if (packer === PACK_B_F32) packBF32(job, bi, p0, kc, j0, nc, dst);
  else if (packer === PACK_B_NF4) packBNf4(job, p0, kc, j0, nc, dst);
  else unreachable();
  return (nc + NR - 1) / NR;
}

export function packBF32(job: usize, bi: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const rs = jobI32(job, JOB_B_RS);
  const cs = jobI32(job, JOB_B_CS);
  const panelBytes = (<usize>kc * <usize>NR) << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    packPanel(bAt(job, bi, p0, j0 + jr), cs, rs, min(NR, nc - jr), NR, kc, dst);
    dst += panelBytes;
  }
}

/** Whether the micro-kernel can read B's panels where they lie: f32 with each row's columns contiguous. */
export function bReadableInPlace(job: usize): bool {
  return jobI32(job, JOB_B_PACKER) === PACK_B_F32 && jobI32(job, JOB_B_CS) === 1;
}

/** byte address of B(p, j) of batch item bi, for the f32 packer's operand */
export function bAt(job: usize, bi: i32, p: i32, j: i32): usize {
  const base = f32At(<usize>jobI32(job, JOB_B_PTR), <usize>bi * <usize>jobI32(job, JOB_B_BATCH_STRIDE));
  return f32At(base, <usize>p * <usize>jobI32(job, JOB_B_RS) + <usize>j * <usize>jobI32(job, JOB_B_CS));
}

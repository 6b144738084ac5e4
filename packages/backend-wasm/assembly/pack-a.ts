// Reference: GotoBLAS/BLIS packing of A into MR-row micro-panels (see pack.ts).
import { JOB_A_BATCH_STRIDE, JOB_A_CS, JOB_A_PTR, JOB_A_RS, f32At, jobI32 } from './job';
import { MR } from './microkernel';
import { packPanel } from './pack';

/**
 * Pack rows [i0, i0 + mc) × columns [p0, p0 + kc) of op(A) of batch item `bi` into ceil(mc / MR) panels of
 * (kc, MR) at dst, the last one zero-padded; returns the number of panels.
 */
export function packA(job: usize, bi: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): i32 {
  const rs = jobI32(job, JOB_A_RS);
  const cs = jobI32(job, JOB_A_CS);
  const panelBytes = (<usize>kc * <usize>MR) << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    packPanel(aAt(job, bi, i0 + ir, p0), rs, cs, min(MR, mc - ir), MR, kc, dst);
    dst += panelBytes;
  }
  return (mc + MR - 1) / MR;
}

/** byte address of op(A)(i, p) of batch item bi */
export function aAt(job: usize, bi: i32, i: i32, p: i32): usize {
  const base = f32At(<usize>jobI32(job, JOB_A_PTR), <usize>bi * <usize>jobI32(job, JOB_A_BATCH_STRIDE));
  return f32At(base, <usize>i * <usize>jobI32(job, JOB_A_RS) + <usize>p * <usize>jobI32(job, JOB_A_CS));
}

// Reference: the GotoBLAS/BLIS five-loop GEMM (Goto & van de Geijn 2008; Van Zee & van de Geijn 2015):
// jc over NC columns → pc over KC depth (pack B) → ic over MC rows (pack A) → jr, ir over the register tiles.
import {
  JOB_ACCUMULATE,
  JOB_ALWAYS_PACK,
  JOB_A_CS,
  JOB_A_RS,
  JOB_ALPHA,
  JOB_B_RS,
  JOB_BATCH,
  JOB_C_BATCH_STRIDE,
  JOB_C_LD,
  JOB_C_PTR,
  JOB_K,
  JOB_KC,
  JOB_M,
  JOB_MC,
  JOB_N,
  JOB_NC,
  JOB_SCRATCH_PTR,
  JOB_SCRATCH_STRIDE,
  JOB_SPLIT_M,
  f32At,
  jobF32,
  jobI32,
} from './job';
import { gemvBlock, gemvEligible } from './gemv';
import { nf4DotBlock, nf4DotEligible } from './nf4-dot';
import { MR, NR, microkernel, storeEdge } from './microkernel';
import { aAt, packA } from './pack-a';
import { bAt, bReadableInPlace, packB } from './pack-b';

// Default cache blocking (a job may carry others: JOB_MC, JOB_KC, JOB_NC).
/** rows of A packed at once: MC × KC floats (256 KiB) stay in L2 while every B micro-panel streams past */
export const MC: i32 = 128;
/** most depth of one rank-kc update: a KC × NR B micro-panel (16 KiB) stays in L1 */
export const KC: i32 = 512;
/** columns of B packed at once: KC × NC floats (4 MiB) */
export const NC: i32 = 2048;

/** bytes of scratch one thread needs for a blocking: packed A block, packed B block, one edge tile */
export function scratchBytes(mc: i32, kc: i32, nc: i32): i32 {
  const panelsA = (mc + MR - 1) / MR;
  const panelsB = (nc + NR - 1) / NR;
  return ((panelsA * MR * kc + kc * panelsB * NR + MR * NR) * 4 + 63) & ~63;
}

/**
 * Thread `tid` of `nthreads` computes its share of the job and returns how many panels it packed: the batch × panel units (NR-column panels, or
 * MR-row panels when the job splits M) are cut into nthreads contiguous runs. Every output element is
 * computed by one thread in the same order whatever the thread count, so results do not depend on it.
 */
export function gemmThread(job: usize, tid: i32, nthreads: i32): i32 {
  packedPanels = 0;
  const m = jobI32(job, JOB_M);
  const n = jobI32(job, JOB_N);
  const splitM = jobI32(job, JOB_SPLIT_M) !== 0;
  const panels = <i64>(splitM ? (m + MR - 1) / MR : (n + NR - 1) / NR);
  const total = <i64>jobI32(job, JOB_BATCH) * panels;
  let unit = (total * tid) / nthreads;
  const end = (total * (tid + 1)) / nthreads;
  const scratch = <usize>jobI32(job, JOB_SCRATCH_PTR) + <usize>tid * <usize>jobI32(job, JOB_SCRATCH_STRIDE);
  while (unit < end) {
    const bi = <i32>(unit / panels);
    const q0 = <i32>(unit % panels);
    const q1 = <i32>min(panels, <i64>q0 + (end - unit));
    if (splitM) gemmBlock(job, bi, q0 * MR, min(m, q1 * MR), 0, n, scratch);
    else gemmBlock(job, bi, 0, m, q0 * NR, min(n, q1 * NR), scratch);
    unit += q1 - q0;
  }
  return packedPanels;
}

/** panels this thread packed in its current call (a module global, so one per instance, i.e. per thread) */
let packedPanels: i32 = 0;

/** Pack A only when its panels serve more than this many NR-column tiles; thinner products read A in place. */
const DIRECT_A_MAX_COLS: i32 = 4 * NR;
/** Pack B only when its panels serve more than this many MR-row tiles (and B can be read in place at all). */
const DIRECT_B_MAX_ROWS: i32 = 4 * MR;
/** Products of at most this many rows (LoRA's dA = dhᵀ·x at rank 16) take depth blocks of at most THIN_M_KC. */
const THIN_M_ROWS: i32 = 4 * MR;
const THIN_M_KC: i32 = 64;

/**
 * C[i0:i1, j0:j1] of batch item bi, blocked for the caches. Packing costs a pass over the operand, repaid by
 * reuse: an A panel is reused by every NR-column tile, a B panel by every MR-row tile. When the other
 * dimension is thin (LoRA rank 16) the micro-kernel reads the operand in place instead.
 */
function gemmBlock(job: usize, bi: i32, i0: i32, i1: i32, j0: i32, j1: i32, scratch: usize): void {
  if (gemvEligible(job)) {
    gemvBlock(job, bi, j0, j1); // one row: a dot product per output, the weight read in place once
    return;
  }
  if (nf4DotEligible(job)) {
    nf4DotBlock(job, i0, i1, j0, j1, scratch); // decoding with a 4-bit weight: its codes read in place, no panels
    return;
  }
  const k = jobI32(job, JOB_K);
  const mcMax = jobI32(job, JOB_MC);
  const ncMax = jobI32(job, JOB_NC);
  // A thin product (M ≤ 16) uses each element of B only M / MR times, so it streams B and waits on it: a
  // row-major B read in place walks kc rows N floats apart (N = 896: rows alias into 8 of the 64 L1 sets, so the
  // line the next column tile needs is gone). Short depth blocks keep those kc lines in L1 for it, at the cost
  // of updating C every 64 steps. The choice depends only on the shape: every thread count and packing mode
  // sums in the same order.
  const kcJob = jobI32(job, JOB_KC);
  const kcMax = jobI32(job, JOB_M) <= THIN_M_ROWS ? min(kcJob, THIN_M_KC) : kcJob;
  // equal depth blocks, a multiple of 4 where possible: K = 896 runs as 2 × 448, not 512 + 384
  const depthBlocks = (k + kcMax - 1) / kcMax;
  const kcStep = min(kcMax, (((k + depthBlocks - 1) / depthBlocks + 3) >> 2) << 2);
  const accumulate = jobI32(job, JOB_ACCUMULATE) !== 0;
  const packedA = scratch; // (mcMax, kcMax) as MR-row panels
  const packedB = f32At(packedA, <usize>(((mcMax + MR - 1) / MR) * MR) * <usize>kcMax); // (kcMax, ncMax), NR-column panels
  const mayReadInPlace = jobI32(job, JOB_ALWAYS_PACK) === 0;
  const directA = mayReadInPlace && j1 - j0 <= DIRECT_A_MAX_COLS;
  const directB = mayReadInPlace && i1 - i0 <= DIRECT_B_MAX_ROWS && bReadableInPlace(job);
  for (let jc = j0; jc < j1; jc += ncMax) {
    const nc = min(ncMax, j1 - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = min(kcStep, k - pc);
      if (!directB) packedPanels += packB(job, bi, pc, kc, jc, nc, packedB);
      const addInto = accumulate || pc > 0; // later depth blocks add to the earlier ones
      for (let ic = i0; ic < i1; ic += mcMax) {
        const mc = min(mcMax, i1 - ic);
        if (!directA) packedPanels += packA(job, bi, ic, mc, pc, kc, packedA);
        macroKernel(job, bi, ic, mc, jc, nc, pc, kc, directA, directB, packedA, packedB, addInto);
      }
    }
  }
}

/**
 * C[ic:ic+mc, jc:jc+nc] op= alpha · A[ic:, pc:pc+kc] · B[pc:, jc:], one MR×NR register tile at a time. Packed
 * operands come from packedA / packedB; a direct one is read in place, except its last partial panel, which
 * is packed (zero-padded) into the unused packing buffer so no tile reads past the operand.
 */
function macroKernel(
  job: usize,
  bi: i32,
  ic: i32,
  mc: i32,
  jc: i32,
  nc: i32,
  pc: i32,
  kc: i32,
  directA: bool,
  directB: bool,
  packedA: usize,
  packedB: usize,
  accumulate: bool,
): void {
  const ldc = jobI32(job, JOB_C_LD);
  const alpha = jobF32(job, JOB_ALPHA);
  const c = f32At(
    <usize>jobI32(job, JOB_C_PTR),
    <usize>bi * <usize>jobI32(job, JOB_C_BATCH_STRIDE) + <usize>ic * <usize>ldc + <usize>jc,
  );
  const tile = f32At(
    packedB,
    <usize>(((jobI32(job, JOB_NC) + NR - 1) / NR) * NR) * <usize>jobI32(job, JOB_KC),
  ); // (MR, NR)
  // panel i of A starts at aBase + i·aPanel; its rows are aRow bytes apart and advance aStep bytes per p
  let aBase = packedA;
  let aRow: usize = 4;
  let aStep: usize = (<usize>MR) << 2;
  let aPanel: usize = (<usize>MR * <usize>kc) << 2;
  const fullA = (mc / MR) * MR;
  if (directA) {
    aBase = aAt(job, bi, ic, pc);
    aRow = (<usize>jobI32(job, JOB_A_RS)) << 2;
    aStep = (<usize>jobI32(job, JOB_A_CS)) << 2;
    aPanel = <usize>MR * aRow;
    if (fullA < mc) packedPanels += packA(job, bi, ic + fullA, mc - fullA, pc, kc, packedA);
  }
  let bBase = packedB;
  let bStep: usize = (<usize>NR) << 2;
  let bPanel: usize = (<usize>NR * <usize>kc) << 2;
  const fullB = (nc / NR) * NR;
  if (directB) {
    bBase = bAt(job, bi, pc, jc);
    bStep = (<usize>jobI32(job, JOB_B_RS)) << 2;
    bPanel = (<usize>NR) << 2;
    if (fullB < nc) packedPanels += packB(job, bi, pc, kc, jc + fullB, nc - fullB, packedB);
  }
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const packedEdgeB = directB && jr === fullB;
    const pb = packedEdgeB ? packedB : bBase + <usize>(jr / NR) * bPanel;
    const pbStep = packedEdgeB ? (<usize>NR) << 2 : bStep;
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = min(MR, mc - ir);
      const packedEdgeA = directA && ir === fullA;
      const pa = packedEdgeA ? packedA : aBase + <usize>(ir / MR) * aPanel;
      const paRow: usize = packedEdgeA ? 4 : aRow;
      const paStep = packedEdgeA ? (<usize>MR) << 2 : aStep;
      const cTile = f32At(c, <usize>ir * <usize>ldc + <usize>jr);
      if (rows === MR && cols === NR)
        microkernel(kc, pa, paRow, paStep, pb, pbStep, cTile, ldc, alpha, accumulate);
      else {
        microkernel(kc, pa, paRow, paStep, pb, pbStep, tile, NR, 1, false);
        storeEdge(tile, cTile, ldc, rows, cols, alpha, accumulate);
      }
    }
  }
}

// Attention segments: runs of consecutive rows that attend only among themselves — each row of a padded batch, or
// each example of a packed row (flash-attention varlen's cu_seqlens; a block-diagonal causal mask).
import { type F32, kernel } from '@lora/core';

/** Rows start … start + length − 1 of the (N, ·) activations, N = B·T, form one causal sequence. */
export interface Segment {
  start: number;
  length: number;
}

/** Consecutive segments of one length, computed with one batched call. */
export interface SegmentRun {
  /** first row of the run */
  row: number;
  /** segments in the run */
  count: number;
  /** tokens per segment L */
  length: number;
  /** offset of the run's (count, H, L, L) scores in a per-segment score buffer */
  scoreOffset: number;
}

/** One segment per row: the layout of a padded, unpacked batch. */
export function rowSegments(batch: number, seqLen: number): Segment[] {
  return Array.from({ length: batch }, (_, b) => ({ start: b * seqLen, length: seqLen }));
}

/**
 * Segments of `segments` (which tile rows 0 … N − 1 in order) grouped into runs of equal length, and the size of a
 * score buffer holding each segment's (H, L, L) block: H · Σ L², instead of B · H · T² for a full mask.
 */
export function segmentRuns(
  segments: readonly Segment[],
  heads: number,
): { runs: SegmentRun[]; scoreSize: number } {
  const runs: SegmentRun[] = [];
  let scoreSize = 0;
  for (const s of segments) {
    const last = runs[runs.length - 1];
    if (last && last.length === s.length) last.count++;
    else runs.push({ row: s.start, count: 1, length: s.length, scoreOffset: scoreSize });
    scoreSize += heads * s.length * s.length;
  }
  return { runs, scoreSize };
}

/**
 * Each run of equal-length segments as one strided copy: (count, L, H, D) ↔ (count, H, L, D), `toHeads` choosing
 * the direction.
 */
function transposeRuns(src: F32, segments: readonly Segment[], heads: number, D: number, dst: F32, toHeads: boolean): F32 {
  for (const { row, count, length: L } of segmentRuns(segments, heads).runs) {
    const [from, to] = [row * heads * D, (row + count * L) * heads * D];
    const rowMajor = [L * heads * D, heads * D, D] as const; // (count, L, H, D) strides of (segment, token, head)
    const headMajor = [heads * L * D, D, L * D] as const; // (count, H, L, D) strides of (segment, token, head)
    kernel('stridedCopy')({
      src: src.subarray(from, to),
      dst: dst.subarray(from, to),
      counts: [count, L, heads],
      inner: D,
      srcStrides: toHeads ? rowMajor : headMajor,
      dstStrides: toHeads ? headMajor : rowMajor,
    });
  }
  return dst;
}

/** (N, H, D) → each segment's (H, L, D) block, blocks in row order (for one segment per row: (B, H, T, D)). */
export function toHeadMajor(src: F32, segments: readonly Segment[], heads: number, D: number, dst: F32): F32 {
  return transposeRuns(src, segments, heads, D, dst, true);
}

/** Each segment's (H, L, D) block → (N, H, D): the inverse of toHeadMajor. */
export function fromHeadMajor(src: F32, segments: readonly Segment[], heads: number, D: number, dst: F32): F32 {
  return transposeRuns(src, segments, heads, D, dst, false);
}

// 8-bit AdamW's state of a tensor kept in row blocks (Parameter.rowBlock): saved whole, with where its blocks start
// (metadata "row_blocks"). Its absmax are one per 256 elements from each block's start, so they are the whole tensor's
// own where every block holds whole 256s; a saved state re-splits exactly into blocks of whole 256s, or into the same
// row blocks, and any other resume is refused rather than resumed inexactly.
import { ADAMW8BIT_BLOCKSIZE } from '@lora/core';
import { CheckpointError } from './errors.js';
import { describeSplit, type WholeTensor } from './whole-tensors.js';

/** Blocks of 256 (bitsandbytes' absmax) of `n` elements. */
export const quantBlocks = (n: number) => Math.ceil(n / ADAMW8BIT_BLOCKSIZE);

/** metadata "row_blocks": where each split tensor's row blocks started when saved (absent: every tensor whole). */
export function parseRowBlocks(text: string | undefined, path: string): Record<string, number[]> {
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      Object.values(parsed).every((v) => Array.isArray(v) && v.every(Number.isSafeInteger))
    )
      return parsed as Record<string, number[]>;
  } catch {}
  throw new CheckpointError(
    path,
    `${path}: metadata "row_blocks": expected {tensor: [row starts]}, got ${text}`,
  );
}

/**
 * Where each of `t`'s current blocks finds its absmax in the saved ones, and how many were saved. Saved blocks of whole
 * 256s (or a whole tensor) are the whole tensor's blocks of 256, so they re-split exactly into blocks of whole 256s; any
 * other layout only into the same row blocks. A checkpoint that cannot be re-split exactly is refused, naming both.
 */
export function blockAbsmax(
  t: WholeTensor,
  saved: readonly number[] | undefined,
  path: string,
): { at: number[]; total: number } {
  const cols = t.size / t.shape[0]!;
  const now = t.blocks.map((b) => b.param.rowBlock?.rowStart ?? 0);
  const savedStarts = saved ?? [0];
  const aligned = (starts: readonly number[]) => starts.every((r) => (r * cols) % ADAMW8BIT_BLOCKSIZE === 0);
  const counts = (starts: readonly number[]) =>
    starts.map((r, i) => quantBlocks(((starts[i + 1] ?? t.shape[0]!) - r) * cols));
  const total = counts(savedStarts).reduce((a, b) => a + b, 0);
  const same = savedStarts.length === now.length && savedStarts.every((r, i) => r === now[i]);
  if (same) {
    const at = counts(now).map((_, i, c) => c.slice(0, i).reduce((a, b) => a + b, 0));
    return { at, total };
  }
  if (aligned(savedStarts) && aligned(now))
    return { at: t.blocks.map((b) => b.offset / ADAMW8BIT_BLOCKSIZE), total };
  throw new CheckpointError(
    path,
    `${path}: 8-bit optimizer state of "${t.name}": saved ${describeSplit(savedStarts)}, the model now keeps it ${describeSplit(now)}, and its blocks of ${ADAMW8BIT_BLOCKSIZE} do not re-split exactly; resume with the same largest array (maxArrayBytes) as the run that saved it`,
  );
}

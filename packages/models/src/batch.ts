// Token batches in the transformers convention: labels aligned with input ids (−100 = ignored), shifted inside the
// loss (ForCausalLMLoss); positions count real tokens only, as generate() derives position_ids from attention_mask,
// or come from position_ids that restart at 0 for each packed example (transformers' DataCollatorWithFlattening).
import type { I32, TokenBatch } from '@lora/core';
import type { BatchLayout, HostBatchLayout } from './attention.js';
import { ModelInputError } from './errors.js';
import { rowSegments, type Segment } from './segments.js';

// declared once in @lora/core; re-exported for code that imported them from @lora/models
export type { StepOptions, StepResult, TokenBatch } from '@lora/core';

/** The label value that takes no loss (PyTorch's `ignore_index`). */
export const IGNORE_INDEX = -100;

export function checkTokens(
  where: string,
  ids: Int32Array,
  batch: number,
  seqLen: number,
  vocab: number,
  mask?: Uint8Array,
): void {
  if (!Number.isInteger(batch) || batch <= 0 || !Number.isInteger(seqLen) || seqLen <= 0) {
    throw new ModelInputError(
      `${where}: batch and seqLen expected positive integers, got ${batch} and ${seqLen}`,
    );
  }
  if (ids.length !== batch * seqLen) {
    throw new ModelInputError(
      `${where}: inputIds expected ${batch}×${seqLen} = ${batch * seqLen} ids, got ${ids.length}`,
    );
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id < vocab))
      throw new ModelInputError(`${where}: inputIds[${i}] expected a token id in [0, ${vocab}), got ${id}`);
  }
  if (mask) {
    if (mask.length !== ids.length)
      throw new ModelInputError(`${where}: attentionMask expected ${ids.length} values, got ${mask.length}`);
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]! > 1)
        throw new ModelInputError(`${where}: attentionMask[${i}] expected 0 or 1, got ${mask[i]}`);
    }
  }
}

/** Each row's position: the number of real tokens before it in its sequence (padding rows get 0). */
export function positionsFromMask(batch: number, seqLen: number, mask: Uint8Array | undefined): Int32Array {
  const positions = new Int32Array(batch * seqLen); // (N)
  for (let b = 0; b < batch; b++) {
    let seen = 0;
    for (let t = 0; t < seqLen; t++) {
      const i = b * seqLen + t;
      positions[i] = !mask || mask[i] ? seen++ : 0;
    }
  }
  return positions;
}

/**
 * Checks packed position ids at the boundary: B·T non-negative integers whose real tokens count 0, 1, 2, … in each
 * row, restarting only at 0 (a new packed example). Values on padding are ignored.
 * @throws ModelInputError naming the row and column.
 */
export function checkPositionIds(
  where: string,
  positionIds: Int32Array,
  batch: number,
  seqLen: number,
  mask: Uint8Array | undefined,
): void {
  if (!(positionIds instanceof Int32Array) || positionIds.length !== batch * seqLen) {
    const got = positionIds instanceof Int32Array ? `${positionIds.length} values` : String(positionIds);
    throw new ModelInputError(
      `${where}: positionIds expected an Int32Array of ${batch}×${seqLen} = ${batch * seqLen} values, got ${got}`,
    );
  }
  for (let b = 0; b < batch; b++) {
    let previous = -1; // position of the previous real token of the row; −1 before the first
    for (let t = 0; t < seqLen; t++) {
      const i = b * seqLen + t;
      const p = positionIds[i]!;
      const at = `${where}: positionIds[${i}] (row ${b}, column ${t})`;
      if (p < 0) throw new ModelInputError(`${at} expected a position >= 0, got ${p}`);
      if (mask && !mask[i]) continue;
      if (p !== 0 && p !== previous + 1) {
        const expected =
          previous < 0
            ? '0 (the first real token of a row)'
            : `${previous + 1} (continuing) or 0 (a new packed example)`;
        throw new ModelInputError(`${at} expected ${expected}, got ${p}`);
      }
      previous = p;
    }
  }
}

/**
 * The attention segments of packed rows: a row's segment ends where a real token after its first one has position
 * 0 (transformers: a new sequence starts wherever position_ids == 0); padding joins the segment it follows or, at
 * the start of a row, the first one. Rows without a restart are one segment of T, as without position ids.
 */
export function packedSegments(
  batch: number,
  seqLen: number,
  positionIds: Int32Array,
  mask: Uint8Array | undefined,
): Segment[] {
  const segments: Segment[] = [];
  for (let b = 0; b < batch; b++) {
    let start = b * seqLen;
    let seenReal = false;
    for (let t = 0; t < seqLen; t++) {
      const i = b * seqLen + t;
      if (mask && !mask[i]) continue;
      if (seenReal && positionIds[i] === 0) {
        segments.push({ start, length: i - start });
        start = i;
      }
      seenReal = true;
    }
    segments.push({ start, length: (b + 1) * seqLen - start });
  }
  return segments;
}

/**
 * Positions, padding and attention segments of a (B, T) batch: from `positionIds` when given (packed rows, checked
 * first with checkPositionIds), from the mask otherwise.
 */
export function batchLayout(
  batch: number,
  seqLen: number,
  mask: Uint8Array | undefined,
  positionIds?: Int32Array,
): HostBatchLayout {
  const allReal = !mask || mask.every((m) => m === 1);
  if (!positionIds) {
    return {
      batch,
      seqLen,
      positions: positionsFromMask(batch, seqLen, mask),
      mask: allReal ? undefined : mask,
      segments: rowSegments(batch, seqLen),
    };
  }
  const positions = new Int32Array(batch * seqLen); // (N) padding at 0
  for (let i = 0; i < positions.length; i++) positions[i] = !mask || mask[i] ? positionIds[i]! : 0;
  return {
    batch,
    seqLen,
    positions,
    mask: allReal ? undefined : mask,
    segments: packedSegments(batch, seqLen, positionIds, mask),
  };
}

/**
 * The layout with its index arrays in the model's memory, each through `upload(key, data)`: positions (N), the key
 * mask (N) as 0/1 when there is padding, and each segment's first row (S).
 */
export function placeLayout(layout: HostBatchLayout, upload: (key: string, data: Int32Array) => I32): BatchLayout {
  const parts = layoutIndexArrays(layout);
  return {
    ...layout,
    device: {
      positions: upload('positions', parts.positions),
      keyMask: parts['key-mask'] ? upload('key-mask', parts['key-mask']) : undefined,
      segmentStarts: upload('segment-starts', parts['segment-starts']),
    },
  };
}

/** The index arrays placeLayout uploads, by the keys it uploads them under (no key mask without padding). */
export function layoutIndexArrays(layout: HostBatchLayout): Record<string, Int32Array> & {
  positions: Int32Array;
  'segment-starts': Int32Array;
  'key-mask'?: Int32Array;
} {
  return {
    positions: layout.positions,
    'segment-starts': Int32Array.from(layout.segments, (s) => s.start),
    ...(layout.mask ? { 'key-mask': Int32Array.from(layout.mask) } : {}),
  };
}

/**
 * (N) the target of each row: labels[b, t + 1], or −100 at the last position, wherever t or t + 1 is padding, and
 * where t + 1 starts a packed example (position id 0): no example is trained to follow the one before it.
 */
export function shiftedTargets(batch: TokenBatch, vocab: number): Int32Array {
  const { labels, attentionMask: mask, positionIds, batch: B, seqLen: T } = batch;
  if (labels.length !== B * T)
    throw new ModelInputError(`step: labels expected ${B}×${T} = ${B * T} values, got ${labels.length}`);
  const targets = new Int32Array(B * T).fill(IGNORE_INDEX);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      const label = labels[i]!;
      if (label !== IGNORE_INDEX && !(label >= 0 && label < vocab)) {
        throw new ModelInputError(
          `step: labels[${i}] expected -100 or a token id in [0, ${vocab}), got ${label}`,
        );
      }
      if (t === 0 || label === IGNORE_INDEX) continue;
      if (mask && (!mask[i] || !mask[i - 1])) continue;
      if (positionIds && positionIds[i] === 0) continue;
      targets[i - 1] = label;
    }
  }
  return targets;
}

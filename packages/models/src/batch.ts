// Token batches in the transformers convention: labels aligned with input ids (−100 = ignored), shifted inside the
// loss (ForCausalLMLoss); positions count real tokens only, as generate() derives position_ids from attention_mask.
import type { BatchLayout } from './attention.js';
import { ModelInputError } from './errors.js';

export const IGNORE_INDEX = -100;

export interface TokenBatch {
  /** (B, T) */
  inputIds: Int32Array;
  /** (B, T) aligned with inputIds: the token at t is predicted from positions < t; −100 = not a label */
  labels: Int32Array;
  /** (B, T) 1 = real token, 0 = padding (left or right) */
  attentionMask?: Uint8Array;
  batch: number;
  seqLen: number;
}

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

export function batchLayout(batch: number, seqLen: number, mask: Uint8Array | undefined): BatchLayout {
  const allReal = !mask || mask.every((m) => m === 1);
  return {
    batch,
    seqLen,
    positions: positionsFromMask(batch, seqLen, mask),
    mask: allReal ? undefined : mask,
  };
}

/** (N) the target of each row: labels[b, t + 1], or −100 at the last position and wherever t or t + 1 is padding. */
export function shiftedTargets(batch: TokenBatch, vocab: number): Int32Array {
  const { labels, attentionMask: mask, batch: B, seqLen: T } = batch;
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
      targets[i - 1] = label;
    }
  }
  return targets;
}

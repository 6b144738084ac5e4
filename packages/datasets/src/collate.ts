// Collation: a list of token sequences → one padded (B, T) batch with labels, attention mask and position ids.

import { DatasetError, preview } from './errors.js';

/** Options of `collate`: the pad id, the padding side, padding to a multiple. */
export interface CollateOptions {
  padTokenId: number;
  /** default 'right' */
  paddingSide?: 'right' | 'left';
  /** round T up to a multiple of this (tensor-core friendly shapes) */
  padToMultipleOf?: number;
}

/** One row: a tokenized example or a packed block (its sequenceStarts restart positions and attention). */
export interface CollateRow {
  inputIds: readonly number[];
  labels: readonly number[];
  sequenceStarts?: readonly number[];
}

/** A padded `(B, T)` batch as `collate` makes it: ids, labels, attention mask, positions and counts. */
export interface Batch {
  /** (B, T) row-major */
  inputIds: Int32Array;
  /** (B, T); -100 on padding and on the first token of each row and of each packed example (nothing predicts them) */
  labels: Int32Array;
  /** (B, T); 1 on real tokens */
  attentionMask: Uint8Array;
  /**
   * (B, T); 0.. from each sequence start, 0 on padding. @lora/models reads a restart at 0 as a new packed example,
   * which gets its own positions and attends only to itself (transformers' DataCollatorWithFlattening); a row
   * without sequenceStarts has the positions its attention mask implies.
   */
  positionIds: Int32Array;
  batch: number;
  seqLen: number;
  /**
   * labels other than -100: exactly the terms of the shifted next-token loss, for normalising it across
   * accumulated batches (transformers' num_items_in_batch, without the never-predicted first position)
   */
  labelTokens: number;
}

function checkRow(row: CollateRow, b: number): void {
  const n = row.inputIds?.length;
  if (!n || row.labels?.length !== n) {
    throw new DatasetError(
      `collate: rows[${b}]: expected a non-empty inputIds and one label per id, got ${preview(row.inputIds)} ids and ${preview(row.labels)} labels`,
      { key: `rows[${b}]` },
    );
  }
  const starts = row.sequenceStarts;
  if (
    starts !== undefined &&
    (starts[0] !== 0 || starts.some((s, i) => i > 0 && !(s > starts[i - 1]! && s < n)))
  ) {
    throw new DatasetError(
      `collate: rows[${b}].sequenceStarts: expected increasing offsets from 0 below ${n}, got [${starts.join(', ')}]`,
      {
        key: `rows[${b}]`,
      },
    );
  }
}

/** Pad `rows` to one length and lay them out as (B, T) typed arrays. */
export function collate(rows: readonly CollateRow[], options: CollateOptions): Batch {
  const { padTokenId, paddingSide = 'right', padToMultipleOf = 1 } = options;
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new DatasetError(`collate: expected at least one row, got ${preview(rows)}`, { key: 'rows' });
  }
  if (!Number.isInteger(padTokenId) || padTokenId < 0) {
    throw new DatasetError(
      `collate: padTokenId: expected a token id, got ${preview(padTokenId)} (a tokenizer without a pad token can pad with its EOS id)`,
      { key: 'padTokenId' },
    );
  }
  if (paddingSide !== 'right' && paddingSide !== 'left') {
    throw new DatasetError(`collate: paddingSide: expected 'right' or 'left', got ${preview(paddingSide)}`, {
      key: 'paddingSide',
    });
  }
  if (!Number.isInteger(padToMultipleOf) || padToMultipleOf < 1) {
    throw new DatasetError(
      `collate: padToMultipleOf: expected a positive integer, got ${preview(padToMultipleOf)}`,
      {
        key: 'padToMultipleOf',
      },
    );
  }
  rows.forEach(checkRow);
  const longest = Math.max(...rows.map((r) => r.inputIds.length));
  const T = Math.ceil(longest / padToMultipleOf) * padToMultipleOf;
  const B = rows.length;
  const inputIds = new Int32Array(B * T).fill(padTokenId); // (B, T)
  const labels = new Int32Array(B * T).fill(-100); // (B, T)
  const attentionMask = new Uint8Array(B * T); // (B, T)
  const positionIds = new Int32Array(B * T); // (B, T)
  let labelTokens = 0;
  rows.forEach((row, b) => {
    const n = row.inputIds.length;
    const offset = b * T + (paddingSide === 'left' ? T - n : 0);
    const starts = new Set(row.sequenceStarts ?? [0]);
    let position = 0;
    for (let t = 0; t < n; t++) {
      if (starts.has(t)) position = 0;
      inputIds[offset + t] = row.inputIds[t]!;
      attentionMask[offset + t] = 1;
      positionIds[offset + t] = position++;
      const label = starts.has(t) ? -100 : row.labels[t]!; // starts include 0
      labels[offset + t] = label;
      if (label !== -100) labelTokens++;
    }
  });
  return { inputIds, labels, attentionMask, positionIds, batch: B, seqLen: T, labelTokens };
}

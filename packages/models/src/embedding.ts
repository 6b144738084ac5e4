// Input embeddings (torch.nn.Embedding; GemmaModel's √hidden normaliser; GPT2Model's learned positions) and NEFTune.
// A table split into row blocks (row-blocks.ts) is gathered and scatter-added block by block, each call skipping
// the ids of the other blocks; a table of one block takes the whole-table kernel call it always did.
import { type F32, type I32, kernel } from '@lora/core';
import { addInto } from './buffers.js';
import type { TableBlock } from './row-blocks.js';
import { buffer, type Workspace } from './workspace.js';

export interface EmbedArgs {
  /** (N) token ids, N = B·T, in the table's memory */
  ids: I32;
  /** (V, C) as its row blocks in order */
  table: readonly TableBlock[];
  tokens: number;
  dim: number;
  /** Gemma: multiply by √hidden rounded to the activation dtype (float32 here) */
  scale?: number;
  /** GPT-2: (P, C) learned position table (its row blocks) and (N) the position of each row */
  positionTable?: readonly TableBlock[];
  positions?: I32;
  /**
   * NEFTune (TRL): adds U(−m, m) to the token embeddings, m = alpha / √(T·C) with T the padded sequence length;
   * the noise is the counter stream of `seed` (one draw of the step's generator)
   */
  neftune?: { alpha: number; seqLen: number; seed: number };
}

/** (N, C) hidden states: table[ids] (+ NEFTune noise) (· scale) (+ positionTable[positions]); in `ws` when given. */
export function embedForward(args: EmbedArgs, ws?: Workspace): F32 {
  const { ids, table, tokens, dim, scale, positionTable, positions, neftune } = args;
  const n = tokens * dim;
  const out = buffer(ws, 'out', table[0]!.data, n); // (N, C)
  gather(ids, table, out, tokens, dim);
  if (neftune && neftune.alpha > 0) {
    const magnitude = neftune.alpha / Math.sqrt(neftune.seqLen * dim);
    kernel('uniformNoise')({ x: out, n, magnitude, seed: neftune.seed });
  }
  if (scale !== undefined) kernel('scale')({ x: out, out, n, alpha: scale });
  if (positionTable && positions) {
    const pos = buffer(ws?.temp.scope('embedding'), 'positions', out, n); // (N, C)
    gather(positions, positionTable, pos, tokens, dim);
    addInto(out, pos, n);
  }
  return out;
}

export interface EmbedBackwardArgs {
  /** (N, C) gradient of the embedding output */
  dout: F32;
  ids: I32;
  tokens: number;
  dim: number;
  scale?: number;
  /** (V, C) as its row blocks, accumulated into when the token table is trainable */
  tableGrad?: readonly TableBlock[];
  positions?: I32;
  /** (P, C) as its row blocks, accumulated into when the position table is trainable */
  positionGrad?: readonly TableBlock[];
}

/** Scatter-adds the output gradient into the trainable tables (the noise is additive: it passes the gradient on). */
export function embedBackward(args: EmbedBackwardArgs, ws?: Workspace): void {
  const { dout, ids, tokens, dim, scale, tableGrad, positions, positionGrad } = args;
  if (tableGrad) {
    let d = dout;
    if (scale !== undefined) {
      d = buffer(ws?.temp.scope('embedding'), 'dscaled', dout, tokens * dim); // (N, C)
      kernel('scale')({ x: dout, out: d, n: tokens * dim, alpha: scale });
    }
    scatterAdd(ids, d, tableGrad, tokens, dim);
  }
  if (positionGrad && positions) scatterAdd(positions, dout, positionGrad, tokens, dim);
}

/** out[t] = table[ids[t]] (T, C), one call per row block. */
export function gather(ids: I32, table: readonly TableBlock[], out: F32, tokens: number, dim: number): void {
  if (table.length === 1) {
    kernel('embedding')({ ids, table: table[0]!.data, out, tokens, dim });
    return;
  }
  const embedding = kernel('embedding');
  for (const { data, rowStart, rowCount } of table)
    embedding({ ids, table: data, out, tokens, dim, rowStart, rowCount });
}

/** dtable[ids[t]] += dout[t] in token order, one call per row block (each adds the ids of its rows). */
function scatterAdd(ids: I32, dout: F32, dtable: readonly TableBlock[], tokens: number, dim: number): void {
  if (dtable.length === 1) {
    kernel('embeddingBackward')({ ids, dout, dtableAccumulate: dtable[0]!.data, tokens, dim });
    return;
  }
  const backward = kernel('embeddingBackward');
  for (const { data, rowStart, rowCount } of dtable)
    backward({ ids, dout, dtableAccumulate: data, tokens, dim, rowStart, rowCount });
}

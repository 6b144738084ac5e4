// Input embeddings (torch.nn.Embedding; GemmaModel's √hidden normaliser; GPT2Model's learned positions) and NEFTune.
import { type F32, type I32, kernel } from '@lora/core';
import { addInto } from './buffers.js';
import { buffer, type Workspace } from './workspace.js';

export interface EmbedArgs {
  /** (N) token ids, N = B·T, in the table's memory */
  ids: I32;
  /** (V, C) */
  table: F32;
  tokens: number;
  dim: number;
  /** Gemma: multiply by √hidden rounded to the activation dtype (float32 here) */
  scale?: number;
  /** GPT-2: (P, C) learned position table and (N) the position of each row */
  positionTable?: F32;
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
  const out = buffer(ws, 'out', table, n); // (N, C)
  kernel('embedding')({ ids, table, out, tokens, dim });
  if (neftune && neftune.alpha > 0) {
    const magnitude = neftune.alpha / Math.sqrt(neftune.seqLen * dim);
    kernel('uniformNoise')({ x: out, n, magnitude, seed: neftune.seed });
  }
  if (scale !== undefined) kernel('scale')({ x: out, out, n, alpha: scale });
  if (positionTable && positions) {
    const pos = buffer(ws?.temp.scope('embedding'), 'positions', table, n); // (N, C)
    kernel('embedding')({ ids: positions, table: positionTable, out: pos, tokens, dim });
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
  /** (V, C) accumulated into when the token table is trainable */
  tableGrad?: F32;
  positions?: I32;
  /** (P, C) accumulated into when the position table is trainable */
  positionGrad?: F32;
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
    kernel('embeddingBackward')({ ids, dout: d, dtableAccumulate: tableGrad, tokens, dim });
  }
  if (positionGrad && positions)
    kernel('embeddingBackward')({ ids: positions, dout, dtableAccumulate: positionGrad, tokens, dim });
}

// Input embeddings (torch.nn.Embedding; GemmaModel's √hidden normaliser; GPT2Model's learned positions) and NEFTune.
import { kernel } from '@lora/core';
import { buffer, type Workspace } from './workspace.js';

export interface EmbedArgs {
  /** (N) token ids, N = B·T */
  ids: Int32Array;
  /** (V, C) */
  table: Float32Array;
  tokens: number;
  dim: number;
  /** Gemma: multiply by √hidden rounded to the activation dtype (float32 here) */
  scale?: number;
  /** GPT-2: (P, C) learned position table and (N) the position of each row */
  positionTable?: Float32Array;
  positions?: Int32Array;
  /** NEFTune (TRL): adds U(−m, m) to the token embeddings, m = alpha / √(T·C) with T the padded sequence length */
  neftune?: { alpha: number; seqLen: number; rng: () => number };
}

/** (N, C) hidden states: table[ids] (+ NEFTune noise) (· scale) (+ positionTable[positions]); in `ws` when given. */
export function embedForward(args: EmbedArgs, ws?: Workspace): Float32Array {
  const { ids, table, tokens, dim, scale, positionTable, positions, neftune } = args;
  const out = buffer(ws, 'out', table, tokens * dim); // (N, C)
  kernel('embedding')({ ids, table, out, tokens, dim });
  if (neftune && neftune.alpha > 0) {
    const mag = neftune.alpha / Math.sqrt(neftune.seqLen * dim);
    for (let i = 0; i < tokens * dim; i++) out[i]! += (2 * neftune.rng() - 1) * mag;
  }
  if (scale !== undefined) for (let i = 0; i < tokens * dim; i++) out[i]! *= scale;
  if (positionTable && positions) {
    const pos = buffer(ws?.temp.scope('embedding'), 'positions', table, tokens * dim); // (N, C)
    kernel('embedding')({ ids: positions, table: positionTable, out: pos, tokens, dim });
    for (let i = 0; i < tokens * dim; i++) out[i]! += pos[i]!;
  }
  return out;
}

export interface EmbedBackwardArgs {
  /** (N, C) gradient of the embedding output */
  dout: Float32Array;
  ids: Int32Array;
  tokens: number;
  dim: number;
  scale?: number;
  /** (V, C) accumulated into when the token table is trainable */
  tableGrad?: Float32Array;
  positions?: Int32Array;
  /** (P, C) accumulated into when the position table is trainable */
  positionGrad?: Float32Array;
}

/** Scatter-adds the output gradient into the trainable tables (the noise is additive: it passes the gradient on). */
export function embedBackward(args: EmbedBackwardArgs, ws?: Workspace): void {
  const { dout, ids, tokens, dim, scale, tableGrad, positions, positionGrad } = args;
  if (tableGrad) {
    let d = dout;
    if (scale !== undefined) {
      d = buffer(ws?.temp.scope('embedding'), 'dscaled', dout, tokens * dim); // (N, C)
      for (let i = 0; i < tokens * dim; i++) d[i] = dout[i]! * scale;
    }
    kernel('embeddingBackward')({ ids, dout: d, dtableAccumulate: tableGrad, tokens, dim });
  }
  if (positionGrad && positions)
    kernel('embeddingBackward')({ ids: positions, dout, dtableAccumulate: positionGrad, tokens, dim });
}

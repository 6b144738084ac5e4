// Token embedding lookup and its scatter-add backward (torch.nn.functional.embedding) on webgpu. The backward runs
// one invocation per channel, each adding the tokens' rows in token order: repeated ids need no atomics, nothing
// races, and the sums round exactly as the reference's do. Ids are validated on the host (checking them here would
// need a readback): a lookup of an id outside the table writes 0, and the backward skips it. A row block of a split
// table (rowStart, rowCount) serves the ids in [rowStart, rowStart + rowCount) and leaves the others' rows alone.
import {
  checkEmbeddingArgs,
  checkEmbeddingBackwardArgs,
  type EmbeddingArgs,
  type EmbeddingBackwardArgs,
  embeddingRows,
} from '@lora/core';
import type { WebGpuState } from '../state.js';
import { flatProgram, runFlat } from './flat-program.js';

const UNIFORMS = [
  { name: 'tokens', type: 'u32' },
  { name: 'dim', type: 'u32' },
  { name: 'rowStart', type: 'u32' },
  { name: 'rowCount', type: 'u32' },
  /** 1: a row block, whose ids outside it are skipped; 0: the whole table, whose out-of-range ids read 0 */
  { name: 'block', type: 'u32' },
] as const;

/** out[t, c] = table[ids[t], c], one invocation per output element */
const EMBEDDING = flatProgram(
  'embedding',
  [
    { name: 'ids', type: 'i32' },
    { name: 'table', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
  ],
  UNIFORMS,
  `let t = i / p.dim;
  let row = ld_ids(t) - i32(p.rowStart);
  if (row >= 0 && u32(row) < p.rowCount) { st_out(i, ld_table(u32(row) * p.dim + i % p.dim)); }
  else if (p.block == 0u) { st_out(i, 0.0); }`,
);

/** dtable[ids[t], c] += dout[t, c] for t in order, one invocation per channel c (n = dim) */
const EMBEDDING_BACKWARD = flatProgram(
  'embeddingBackward',
  [
    { name: 'ids', type: 'i32' },
    { name: 'dout', type: 'f32' },
    { name: 'dtable', type: 'f32', write: true },
  ],
  UNIFORMS,
  `for (var t = 0u; t < p.tokens; t++) {
    let row = ld_ids(t) - i32(p.rowStart);
    if (row < 0 || u32(row) >= p.rowCount) { continue; }
    let at = u32(row) * p.dim + i; // (V, C)
    st_dtable(at, ld_dtable(at) + ld_dout(t * p.dim + i));
  }`,
);

export function embedding(gpu: WebGpuState, args: EmbeddingArgs): void {
  checkEmbeddingArgs(args);
  const { tokens, dim } = args;
  if (dim === 0) return;
  const rows = embeddingRows('embedding', args, args.table, 'table');
  runFlat(
    gpu,
    EMBEDDING,
    { ids: args.ids, table: args.table, out: args.out },
    { n: tokens * dim, tokens, dim, rowStart: rows.start, rowCount: rows.count, block: rows.block ? 1 : 0 },
  );
}

export function embeddingBackward(gpu: WebGpuState, args: EmbeddingBackwardArgs): void {
  checkEmbeddingBackwardArgs(args);
  const { tokens, dim } = args;
  if (dim === 0 || tokens === 0) return;
  const rows = embeddingRows('embeddingBackward', args, args.dtableAccumulate, 'dtableAccumulate');
  runFlat(
    gpu,
    EMBEDDING_BACKWARD,
    { ids: args.ids, dout: args.dout, dtable: args.dtableAccumulate },
    { n: dim, tokens, dim, rowStart: rows.start, rowCount: rows.count, block: rows.block ? 1 : 0 },
  );
}

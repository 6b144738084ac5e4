// Token embedding lookup and its scatter-add backward (torch.nn.functional.embedding) on webgpu. The backward runs
// one invocation per channel, each adding the tokens' rows in token order: repeated ids need no atomics, nothing
// races, and the sums round exactly as the reference's do. Ids are validated on the host (checking them here would
// need a readback): a lookup of an id outside the table writes 0, and the backward skips it.
import {
  checkEmbeddingArgs,
  checkEmbeddingBackwardArgs,
  type EmbeddingArgs,
  type EmbeddingBackwardArgs,
} from '@lora/core';
import type { WebGpuState } from '../state.js';
import { flatProgram, runFlat } from './flat-program.js';

const UNIFORMS = [
  { name: 'tokens', type: 'u32' },
  { name: 'dim', type: 'u32' },
  { name: 'vocab', type: 'u32' },
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
  let id = ld_ids(t);
  var v = 0.0;
  if (id >= 0 && u32(id) < p.vocab) { v = ld_table(u32(id) * p.dim + i % p.dim); }
  st_out(i, v);`,
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
    let id = ld_ids(t);
    if (id < 0 || u32(id) >= p.vocab) { continue; }
    let at = u32(id) * p.dim + i; // (V, C)
    st_dtable(at, ld_dtable(at) + ld_dout(t * p.dim + i));
  }`,
);

export function embedding(gpu: WebGpuState, args: EmbeddingArgs): void {
  checkEmbeddingArgs(args);
  const { tokens, dim } = args;
  if (dim === 0) return;
  const vocab = Math.floor(args.table.length / dim);
  runFlat(
    gpu,
    EMBEDDING,
    { ids: args.ids, table: args.table, out: args.out },
    { n: tokens * dim, tokens, dim, vocab },
  );
}

export function embeddingBackward(gpu: WebGpuState, args: EmbeddingBackwardArgs): void {
  checkEmbeddingBackwardArgs(args);
  const { tokens, dim } = args;
  if (dim === 0 || tokens === 0) return;
  const vocab = Math.floor(args.dtableAccumulate.length / dim);
  runFlat(
    gpu,
    EMBEDDING_BACKWARD,
    { ids: args.ids, dout: args.dout, dtable: args.dtableAccumulate },
    { n: dim, tokens, dim, vocab },
  );
}

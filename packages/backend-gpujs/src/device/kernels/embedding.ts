// Token embedding on device arrays (F.embedding) and its scatter-add backward. gpu.js kernels gather, so the backward
// is turned around: a first pass finds, for each row v of the table, the first token whose id is v (−1: none); then
// each cell (v, c) of the table adds dout[t, c] over the tokens t ≥ that first one whose id is v, in token order, as
// the reference does. Rows no token names cost one read. Ids out of range cannot be checked on the device: such a
// token reads (forward) or adds to (backward) nothing valid, as on the webgpu backend.
import { checkEmbeddingArgs, checkEmbeddingBackwardArgs } from '@lora/core';
import type { KernelThis } from '../../runner.js';
import { cells, type DeviceKernels, divFloor, own } from './common.js';

// (T, C): table[ids[t], c]
function embeddingCell(
  this: KernelThis<{ dim: number }>,
  ids: Float32Array,
  idsOff: number,
  table: Float32Array,
  tableOff: number,
): number {
  const i = this.thread.x;
  const t = divFloor(i, this.constants.dim);
  const c = i - t * this.constants.dim;
  return table[tableOff + ids[idsOff + t]! * this.constants.dim + c]!;
}

// (V): the first token whose id is v, or −1
function firstTokenCell(this: KernelThis<{ tokens: number }>, ids: Float32Array, idsOff: number): number {
  const v = this.thread.x;
  let first = -1;
  for (let t = 0; t < this.constants.tokens; t++) {
    if (first < 0 && ids[idsOff + t]! === v) first = t;
  }
  return first;
}

// (V, C): dtable[v, c] + Σ dout[t, c] over the tokens t with ids[t] = v, in token order
function scatterAddCell(
  this: KernelThis<{ tokens: number; dim: number }>,
  ids: Float32Array,
  idsOff: number,
  dout: Float32Array,
  doutOff: number,
  dtable: Float32Array,
  dtableOff: number,
  first: Float32Array,
): number {
  const i = this.thread.x;
  const v = divFloor(i, this.constants.dim);
  const c = i - v * this.constants.dim;
  let sum = dtable[dtableOff + i]!;
  const t0 = first[v]!;
  if (t0 < 0) return sum;
  for (let t = 0; t < this.constants.tokens; t++) {
    if (t >= t0 && ids[idsOff + t]! === v) sum += dout[doutOff + t * this.constants.dim + c]!;
  }
  return sum;
}

export const EMBEDDING_KERNELS = {
  embedding(gx, args) {
    checkEmbeddingArgs(args);
    const { tokens, dim } = args;
    const [ids, table, out] = [
      own(gx, args.ids, 'embedding', 'ids'),
      own(gx, args.table, 'embedding', 'table'),
      own(gx, args.out, 'embedding', 'out'),
    ];
    if (tokens * dim === 0) return;
    const launch = cells(
      `embedding:${dim}`,
      embeddingCell,
      tokens * dim,
      [
        ['ids', ids],
        ['idsOff', ids.offset],
        ['table', table],
        ['tableOff', table.offset],
      ],
      { constants: { dim } },
    );
    gx.ex.write(out, tokens * dim, launch);
  },
  embeddingBackward(gx, args) {
    checkEmbeddingBackwardArgs(args);
    const { tokens, dim } = args;
    const k = 'embeddingBackward';
    const [ids, dout, dtable] = [
      own(gx, args.ids, k, 'ids'),
      own(gx, args.dout, k, 'dout'),
      own(gx, args.dtableAccumulate, k, 'dtableAccumulate'),
    ];
    if (tokens * dim === 0) return;
    const vocab = Math.floor(dtable.length / dim);
    if (vocab === 0) return;
    const first = gx.ex.compute(
      vocab,
      cells(
        `embeddingBackward.first:${tokens}`,
        firstTokenCell,
        vocab,
        [
          ['ids', ids],
          ['idsOff', ids.offset],
        ],
        { constants: { tokens } },
      ),
    );
    const launch = cells(
      `embeddingBackward:${tokens}x${dim}`,
      scatterAddCell,
      vocab * dim,
      [
        ['ids', ids],
        ['idsOff', ids.offset],
        ['dout', dout],
        ['doutOff', dout.offset],
        ['dtable', dtable],
        ['dtableOff', dtable.offset],
        ['first', first],
      ],
      { constants: { tokens, dim } },
    );
    gx.ex.write(dtable, vocab * dim, launch);
    gx.ex.drop(first);
  },
} satisfies DeviceKernels;

// Token embedding on device arrays (F.embedding) and its scatter-add backward. gpu.js kernels gather, so the backward
// is turned around: a first pass finds, for each row v of the table, the first token whose id is v (−1: none); then
// each cell (v, c) of the table adds dout[t, c] over the tokens t ≥ that first one whose id is v, in token order, as
// the reference does. Rows no token names cost one read. Ids out of range cannot be checked on the device: such a
// token reads (forward) or adds to (backward) nothing valid, as on the webgpu backend. A row block of a split table
// (rowStart, rowCount) gathers the ids in [rowStart, rowStart + rowCount) and keeps out's other rows (it reads them).
import { checkEmbeddingArgs, checkEmbeddingBackwardArgs, embeddingRows } from '@lora/core';
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

// (T, C): a row block's table[ids[t] − rowStart, c] for the ids in it, out[t, c] for the others
function embeddingBlockCell(
  this: KernelThis<{ dim: number }>,
  ids: Float32Array,
  idsOff: number,
  table: Float32Array,
  tableOff: number,
  out: Float32Array,
  outOff: number,
  rowStart: number,
  rowCount: number,
): number {
  const i = this.thread.x;
  const t = divFloor(i, this.constants.dim);
  const c = i - t * this.constants.dim;
  const row = ids[idsOff + t]! - rowStart;
  if (row >= 0 && row < rowCount) return table[tableOff + row * this.constants.dim + c]!;
  return out[outOff + i]!;
}

// (V): the first token whose id is rowStart + v, or −1
function firstTokenCell(
  this: KernelThis<{ tokens: number }>,
  ids: Float32Array,
  idsOff: number,
  rowStart: number,
): number {
  const v = this.thread.x;
  let first = -1;
  for (let t = 0; t < this.constants.tokens; t++) {
    if (first < 0 && ids[idsOff + t]! === rowStart + v) first = t;
  }
  return first;
}

// (V, C): dtable[v, c] + Σ dout[t, c] over the tokens t with ids[t] = rowStart + v, in token order
function scatterAddCell(
  this: KernelThis<{ tokens: number; dim: number }>,
  ids: Float32Array,
  idsOff: number,
  dout: Float32Array,
  doutOff: number,
  dtable: Float32Array,
  dtableOff: number,
  first: Float32Array,
  rowStart: number,
): number {
  const i = this.thread.x;
  const v = divFloor(i, this.constants.dim);
  const c = i - v * this.constants.dim;
  let sum = dtable[dtableOff + i]!;
  const t0 = first[v]!;
  if (t0 < 0) return sum;
  for (let t = 0; t < this.constants.tokens; t++) {
    if (t >= t0 && ids[idsOff + t]! === rowStart + v) sum += dout[doutOff + t * this.constants.dim + c]!;
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
    const rows = embeddingRows('embedding', args, table, 'table');
    if (rows.block) {
      const block = cells(
        `embedding.block:${dim}`,
        embeddingBlockCell,
        tokens * dim,
        [
          ['ids', ids],
          ['idsOff', ids.offset],
          ['table', table],
          ['tableOff', table.offset],
          ['out', out],
          ['outOff', out.offset],
          ['rowStart', rows.start],
          ['rowCount', rows.count],
        ],
        { constants: { dim } },
      );
      gx.ex.write(out, tokens * dim, block);
      return;
    }
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
    const rows = embeddingRows(k, args, dtable, 'dtableAccumulate');
    const vocab = rows.count;
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
          ['rowStart', rows.start],
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
        ['rowStart', rows.start],
      ],
      { constants: { tokens, dim } },
    );
    gx.ex.write(dtable, vocab * dim, launch);
    gx.ex.drop(first);
  },
} satisfies DeviceKernels;

// The wasm backend's layernorm, rope, embedding and adamw kernels, behind the boundary checks of
// elementwise-register.ts (@lora/core's) and the host checks of positions and ids: each runs its job (assembly/elementwise/).
import {
  type AdamwArgs,
  applyGradScale,
  checkEmbeddingIds,
  type EmbeddingArgs,
  type EmbeddingBackwardArgs,
  embeddingRows,
  type HostArgs,
  KernelArgumentError,
  type LayernormArgs,
  type LayernormBackwardArgs,
  type RopeArgs,
  referenceKernels,
} from '@lora/core';
import { f32, f64, i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

const NONE = new Float32Array(0);

export function layernorm(run: ElementwiseRunner, args: HostArgs<LayernormArgs>): void {
  const { x, weight, bias, out, mean, rstd, rows, cols, eps } = args;
  const n = rows * cols;
  run.run(
    'EW_LAYERNORM',
    {
      x: [x, n, 'in'],
      weight: [weight, cols, 'in'],
      bias: [bias, cols, 'in'],
      out: [out, n, 'out'],
      mean: [mean, rows, 'out'],
      rstd: [rstd, rows, 'out'],
    },
    (p) => [...[p.x, p.weight, p.bias, p.out, p.mean, p.rstd, rows, cols].map(i32), f64(eps)],
    { units: rows, work: 2 * n },
  );
}

export function layernormBackward(run: ElementwiseRunner, args: HostArgs<LayernormBackwardArgs>): void {
  const { dout, x, weight, mean, rstd, dx, rows, cols } = args;
  const dw = args.dweightAccumulate;
  const db = args.dbiasAccumulate;
  const n = rows * cols;
  run.run(
    'EW_LAYERNORM_BACKWARD',
    {
      dout: [dout, n, 'in'],
      x: [x, n, 'in'],
      weight: [weight, cols, 'in'],
      mean: [mean, rows, 'in'],
      rstd: [rstd, rows, 'in'],
      dx: [dx, n, 'out'],
      dw: [dw ?? NONE, dw ? cols : 0, 'inout'],
      db: [db ?? NONE, db ? cols : 0, 'inout'],
    },
    (p) => [p.dout, p.x, p.weight, p.mean, p.rstd, p.dx, dw ? p.dw : 0, db ? p.db : 0, rows, cols].map(i32),
    { units: dw || db ? Math.min(rows, Math.ceil(cols / 4)) : rows, work: n * (dw || db ? 3 : 2) },
  );
}

export function rope(run: ElementwiseRunner, args: HostArgs<RopeArgs>): void {
  const { x, out, tokens, heads, headDim, rotaryDim, positions, cos, sin } = args;
  const half = rotaryDim / 2;
  const n = tokens * heads * headDim;
  let maxPosition = -1;
  for (let t = 0; t < tokens; t++) {
    const p = positions[t]!;
    if (p < 0 || (p + 1) * half > cos.length || (p + 1) * half > sin.length) {
      const rowsHeld = Math.floor(Math.min(cos.length, sin.length) / Math.max(half, 1));
      throw new KernelArgumentError(
        `rope: positions[${t}] expected in [0, ${rowsHeld}) of the cos/sin tables, got ${p}`,
      );
    }
    maxPosition = Math.max(maxPosition, p);
  }
  const tableLength = (maxPosition + 1) * half; // only the rows used are staged
  run.run(
    'EW_ROPE',
    {
      x: [x, n, 'in'],
      out: [out, n, 'out'], // may alias x: one staged copy, read and written
      positions: [positions, tokens, 'in'],
      cos: [cos, tableLength, 'in'],
      sin: [sin, tableLength, 'in'],
    },
    (p) => [
      ...[p.x, p.out, tokens, heads, headDim, rotaryDim, p.positions, p.cos, p.sin].map(i32),
      f32(args.inverse ? -1 : 1),
    ],
    { units: tokens, work: n },
  );
}

/**
 * out[t] = table[ids[t]]. A table that does not live in wasm memory is not copied in (V·C floats for T rows):
 * the rows are copied on this side instead.
 */
export function embedding(run: ElementwiseRunner, args: HostArgs<EmbeddingArgs>): void {
  const { ids, table, out, tokens, dim } = args;
  if (dim === 0) return;
  const rows = embeddingRows('embedding', args, table, 'table');
  if (!rows.block) checkEmbeddingIds('embedding', ids, tokens, dim, table, 'table (V, C)');
  if (!run.isResident(table)) {
    for (let t = 0; t < tokens; t++) {
      const row = ids[t]! - rows.start;
      if (row >= 0 && row < rows.count) out.set(table.subarray(row * dim, (row + 1) * dim), t * dim); // (T, C)
    }
    return;
  }
  run.run(
    'EW_EMBEDDING',
    // with a row block, out's rows of the other blocks are kept: it goes in as well as out
    {
      ids: [ids, tokens, 'in'],
      table: [table, table.length, 'in'],
      out: [out, tokens * dim, rows.block ? 'inout' : 'out'],
    },
    (p) => [p.ids, p.table, p.out, tokens, dim, rows.start, rows.count].map(i32),
    { units: tokens, work: tokens * dim },
  );
}

/**
 * dtable[ids[t]] += dout[t] in token order. A dtable that does not live in wasm memory would be copied in and
 * out whole (V·C floats) for T rows of work: the reference kernel serves that case instead.
 */
export function embeddingBackward(run: ElementwiseRunner, args: HostArgs<EmbeddingBackwardArgs>): void {
  const { ids, dout, dtableAccumulate: dtable, tokens, dim } = args;
  if (dim === 0) return;
  const rows = embeddingRows('embeddingBackward', args, dtable, 'dtableAccumulate');
  if (!rows.block)
    checkEmbeddingIds('embeddingBackward', ids, tokens, dim, dtable, 'dtableAccumulate (V, C)');
  if (!run.isResident(dtable)) {
    referenceKernels.embeddingBackward(args);
    return;
  }
  run.run(
    'EW_EMBEDDING_BACKWARD',
    { ids: [ids, tokens, 'in'], dout: [dout, tokens * dim, 'in'], dtable: [dtable, dtable.length, 'inout'] },
    (p) => [p.ids, p.dout, p.dtable, tokens, dim, rows.start, rows.count].map(i32),
    { units: Math.ceil(dim / 4), work: tokens * dim },
  );
}

export function adamw(run: ElementwiseRunner, args: HostArgs<AdamwArgs>): void {
  const { param, grad, m, v, step, lr, beta1, beta2, eps, weightDecay, n } = args;
  if (!applyGradScale(args)) return; // clip factor into grad; a non-finite one skips the update
  run.run(
    'EW_ADAMW',
    { param: [param, n, 'inout'], grad: [grad, n, 'in'], m: [m, n, 'inout'], v: [v, n, 'inout'] },
    (p) => [
      ...[p.param, p.grad, p.m, p.v, n].map(i32),
      ...[1 - lr * weightDecay, beta1, 1 - beta1, beta2, 1 - beta2].map(f64),
      ...[lr / (1 - beta1 ** step), Math.sqrt(1 - beta2 ** step), eps].map(f64),
    ],
    { units: Math.ceil(n / 4), work: 4 * n },
  );
}

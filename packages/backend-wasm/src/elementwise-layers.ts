// The wasm backend's layernorm, rope, embedding and adamw kernels: each checks its arguments as the reference
// does (@lora/core's KernelArgumentError, same messages), then runs its job (assembly/elementwise/).
import {
  type AdamwArgs,
  applyGradScale,
  checkDims,
  checkFinite,
  type EmbeddingArgs,
  type EmbeddingBackwardArgs,
  type HostArgs,
  KernelArgumentError,
  type LayernormArgs,
  type LayernormBackwardArgs,
  type RopeArgs,
  referenceKernels,
} from '@lora/core';
import { checkF32, checkI32 } from './elementwise-checks.js';
import { f32, f64, i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

const NONE = new Float32Array(0);

export function layernorm(run: ElementwiseRunner, args: HostArgs<LayernormArgs>): void {
  const { x, weight, bias, out, mean, rstd, rows, cols, eps } = args;
  checkDims('layernorm', { rows, cols });
  checkFinite('layernorm', 'eps', eps);
  checkF32('layernorm', 'x (T, C)', x, rows * cols);
  checkF32('layernorm', 'weight (C)', weight, cols);
  checkF32('layernorm', 'bias (C)', bias, cols);
  checkF32('layernorm', 'out (T, C)', out, rows * cols);
  checkF32('layernorm', 'mean (T)', mean, rows);
  checkF32('layernorm', 'rstd (T)', rstd, rows);
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
  const kernel = 'layernormBackward';
  checkDims(kernel, { rows, cols });
  checkF32(kernel, 'dout (T, C)', dout, rows * cols);
  checkF32(kernel, 'x (T, C)', x, rows * cols);
  checkF32(kernel, 'dx (T, C)', dx, rows * cols);
  checkF32(kernel, 'weight (C)', weight, cols);
  checkF32(kernel, 'mean (T)', mean, rows);
  checkF32(kernel, 'rstd (T)', rstd, rows);
  if (dw) checkF32(kernel, 'dweightAccumulate (C)', dw, cols);
  if (db) checkF32(kernel, 'dbiasAccumulate (C)', db, cols);
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
  checkDims('rope', { tokens, heads, headDim, rotaryDim });
  if (rotaryDim % 2 !== 0 || rotaryDim > headDim) {
    throw new KernelArgumentError(
      `rope: rotaryDim expected an even number <= headDim ${headDim}, got ${rotaryDim}`,
    );
  }
  const half = rotaryDim / 2;
  const n = tokens * heads * headDim;
  checkF32('rope', 'x (T, H, D)', x, n);
  checkF32('rope', 'out (T, H, D)', out, n);
  checkI32('rope', 'positions (T)', positions, tokens);
  checkF32('rope', 'cos', cos, 0);
  checkF32('rope', 'sin', sin, 0);
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

function checkIds(
  kernel: string,
  ids: Int32Array,
  tokens: number,
  dim: number,
  table: Float32Array,
  label: string,
): void {
  checkI32(kernel, 'ids (T)', ids, tokens);
  const vocab = dim > 0 ? Math.floor(table.length / dim) : 0;
  for (let t = 0; t < tokens; t++) {
    const id = ids[t]!;
    if (!(id >= 0 && id < vocab)) {
      throw new KernelArgumentError(
        `${kernel}: ids[${t}] expected a row of ${label} in [0, ${vocab}), got ${id}`,
      );
    }
  }
}

/**
 * out[t] = table[ids[t]]. A table that does not live in wasm memory is not copied in (V·C floats for T rows):
 * the rows are copied on this side instead.
 */
export function embedding(run: ElementwiseRunner, args: HostArgs<EmbeddingArgs>): void {
  const { ids, table, out, tokens, dim } = args;
  checkDims('embedding', { tokens, dim });
  checkF32('embedding', 'out (T, C)', out, tokens * dim);
  if (dim === 0) return;
  checkF32('embedding', 'table (V, C)', table, 0);
  checkIds('embedding', ids, tokens, dim, table, 'table (V, C)');
  if (!run.isResident(table)) {
    for (let t = 0; t < tokens; t++) out.set(table.subarray(ids[t]! * dim, (ids[t]! + 1) * dim), t * dim); // (T, C)
    return;
  }
  run.run(
    'EW_EMBEDDING',
    { ids: [ids, tokens, 'in'], table: [table, table.length, 'in'], out: [out, tokens * dim, 'out'] },
    (p) => [p.ids, p.table, p.out, tokens, dim].map(i32),
    { units: tokens, work: tokens * dim },
  );
}

/**
 * dtable[ids[t]] += dout[t] in token order. A dtable that does not live in wasm memory would be copied in and
 * out whole (V·C floats) for T rows of work: the reference kernel serves that case instead.
 */
export function embeddingBackward(run: ElementwiseRunner, args: HostArgs<EmbeddingBackwardArgs>): void {
  const { ids, dout, dtableAccumulate: dtable, tokens, dim } = args;
  checkDims('embeddingBackward', { tokens, dim });
  checkF32('embeddingBackward', 'dout (T, C)', dout, tokens * dim);
  if (dim === 0) return;
  checkF32('embeddingBackward', 'dtableAccumulate (V, C)', dtable, 0);
  checkIds('embeddingBackward', ids, tokens, dim, dtable, 'dtableAccumulate (V, C)');
  if (!run.isResident(dtable)) {
    referenceKernels.embeddingBackward(args);
    return;
  }
  run.run(
    'EW_EMBEDDING_BACKWARD',
    { ids: [ids, tokens, 'in'], dout: [dout, tokens * dim, 'in'], dtable: [dtable, dtable.length, 'inout'] },
    (p) => [p.ids, p.dout, p.dtable, tokens, dim].map(i32),
    { units: Math.ceil(dim / 4), work: tokens * dim },
  );
}

export function adamw(run: ElementwiseRunner, args: HostArgs<AdamwArgs>): void {
  const { param, grad, m, v, step, lr, beta1, beta2, eps, weightDecay, n } = args;
  checkDims('adamw', { n });
  if (!Number.isInteger(step) || step < 1) {
    throw new KernelArgumentError(
      `adamw: step expected an integer >= 1 (1-based, after this update), got ${step}`,
    );
  }
  for (const [key, value] of Object.entries({ lr, eps, weightDecay })) checkFinite('adamw', key, value);
  for (const [key, value] of Object.entries({ beta1, beta2 })) {
    if (!(value >= 0 && value < 1))
      throw new KernelArgumentError(`adamw: ${key} expected in [0, 1), got ${value}`);
  }
  for (const [label, arr] of Object.entries({ param, grad, m, v })) checkF32('adamw', `${label} (n)`, arr, n);
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

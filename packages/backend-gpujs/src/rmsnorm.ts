// Reference: transformers LlamaRMSNorm (GemmaRMSNorm with weightOffset 1); backward as llm.c derives it.

import type { HostArgs, RmsnormArgs, RmsnormBackwardArgs } from '@lora/core';
import { checkDims, checkFinite, checkLength } from '@lora/core';
import type { KernelThis, Plan } from './runner.js';
import { launch } from './runner.js';
import { head } from './upload.js';

interface RmsConstants {
  rows: number;
  cols: number;
}

function rowRstd(this: KernelThis<RmsConstants>, x: Float32Array, eps: number): number {
  const base = this.thread.x * this.constants.cols;
  let ss = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    ss += x[base + j]! * x[base + j]!;
  }
  return 1 / Math.sqrt(ss / this.constants.cols + eps);
}

function rmsnormCell(
  this: KernelThis<RmsConstants>,
  x: Float32Array,
  w: Float32Array,
  rstd: Float32Array,
  offset: number,
): number {
  return (
    x[this.thread.y * this.constants.cols + this.thread.x]! *
    rstd[this.thread.y]! *
    (offset + w[this.thread.x]!)
  );
}

// mean over the row of g · x̂, with g = dout · (offset + w) and x̂ = x · rstd
function rowGradDot(
  this: KernelThis<RmsConstants>,
  dout: Float32Array,
  x: Float32Array,
  w: Float32Array,
  rstd: Float32Array,
  offset: number,
): number {
  const base = this.thread.x * this.constants.cols;
  let dot = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    dot += dout[base + j]! * (offset + w[j]!) * x[base + j]!;
  }
  return (dot * rstd[this.thread.x]!) / this.constants.cols;
}

function rmsnormDxCell(
  this: KernelThis<RmsConstants>,
  dout: Float32Array,
  x: Float32Array,
  w: Float32Array,
  rstd: Float32Array,
  means: Float32Array,
  offset: number,
): number {
  const row = this.thread.y;
  const i = row * this.constants.cols + this.thread.x;
  const rs = rstd[row]!;
  return rs * (dout[i]! * (offset + w[this.thread.x]!) - x[i]! * rs * means[row]!);
}

// dweight[c] + Σ_rows dout · x̂ for column c
function rmsnormDwCell(
  this: KernelThis<RmsConstants>,
  dout: Float32Array,
  x: Float32Array,
  rstd: Float32Array,
  dw: Float32Array,
): number {
  let sum = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    const i = r * this.constants.cols + this.thread.x;
    sum += dout[i]! * x[i]! * rstd[r]!;
  }
  return dw[this.thread.x]! + sum;
}

export function* rmsnormPlan(args: HostArgs<RmsnormArgs>): Plan {
  const { x, weight, out, rstd, rows, cols, eps } = args;
  const offset = args.weightOffset ?? 0;
  checkDims('rmsnorm', { rows, cols });
  checkFinite('rmsnorm', 'eps', eps);
  checkFinite('rmsnorm', 'weightOffset', offset);
  checkLength('rmsnorm', 'x (T, C)', x, rows * cols);
  checkLength('rmsnorm', 'weight (C)', weight, cols);
  checkLength('rmsnorm', 'out (T, C)', out, rows * cols);
  checkLength('rmsnorm', 'rstd (T)', rstd, rows);
  if (rows * cols === 0) return;
  const xs = head(x, rows * cols); // (T, C)
  const constants = { rows, cols };
  yield launch(
    `rmsnorm.rstd:${rows}x${cols}`,
    () => ({ fn: rowRstd, output: [rows], constants, argumentTypes: { x: 'Array', eps: 'Float' } }),
    [xs, eps],
    rstd,
  );
  yield launch(
    `rmsnorm:${rows}x${cols}`,
    () => ({
      fn: rmsnormCell,
      output: [cols, rows], // (T, C)
      constants,
      argumentTypes: { x: 'Array', w: 'Array', rstd: 'Array', offset: 'Float' },
    }),
    [xs, head(weight, cols), head(rstd, rows), offset],
    out,
  );
}

export function* rmsnormBackwardPlan(args: HostArgs<RmsnormBackwardArgs>): Plan {
  const { dout, x, weight, rstd, dx, dweightAccumulate: dw, rows, cols } = args;
  const offset = args.weightOffset ?? 0;
  checkDims('rmsnormBackward', { rows, cols });
  checkFinite('rmsnormBackward', 'weightOffset', offset);
  for (const [label, arr] of [
    ['dout (T, C)', dout],
    ['x (T, C)', x],
    ['dx (T, C)', dx],
  ] as const) {
    checkLength('rmsnormBackward', label, arr, rows * cols);
  }
  checkLength('rmsnormBackward', 'weight (C)', weight, cols);
  checkLength('rmsnormBackward', 'rstd (T)', rstd, rows);
  if (dw) checkLength('rmsnormBackward', 'dweightAccumulate (C)', dw, cols);
  if (rows * cols === 0) return;
  const douts = head(dout, rows * cols); // (T, C)
  const xs = head(x, rows * cols); // (T, C)
  const ws = head(weight, cols); // (C)
  const rs = head(rstd, rows); // (T)
  const means = new Float32Array(rows); // (T)
  const constants = { rows, cols };
  yield launch(
    `rmsnormBackward.mean:${rows}x${cols}`,
    () => ({
      fn: rowGradDot,
      output: [rows],
      constants,
      argumentTypes: { dout: 'Array', x: 'Array', w: 'Array', rstd: 'Array', offset: 'Float' },
    }),
    [douts, xs, ws, rs, offset],
    means,
  );
  yield launch(
    `rmsnormBackward.dx:${rows}x${cols}`,
    () => ({
      fn: rmsnormDxCell,
      output: [cols, rows], // (T, C)
      constants,
      argumentTypes: {
        dout: 'Array',
        x: 'Array',
        w: 'Array',
        rstd: 'Array',
        means: 'Array',
        offset: 'Float',
      },
    }),
    [douts, xs, ws, rs, means, offset],
    dx,
  );
  if (!dw) return;
  yield launch(
    `rmsnormBackward.dw:${rows}x${cols}`,
    () => ({
      fn: rmsnormDwCell,
      output: [cols], // (C)
      constants,
      argumentTypes: { dout: 'Array', x: 'Array', rstd: 'Array', dw: 'Array' },
    }),
    [douts, xs, rs, head(dw, cols)],
    dw,
  );
}

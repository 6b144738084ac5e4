// Reference: torch.nn.functional.layer_norm (biased variance, two passes); backward as llm.c layernorm_backward.

import type { HostArgs, LayernormArgs, LayernormBackwardArgs } from '@lora/core';
import { checkDims, checkFinite, checkLength } from '@lora/core';
import type { KernelThis, Plan } from './runner.js';
import { launch } from './runner.js';
import { head } from './upload.js';

interface LnConstants {
  rows: number;
  cols: number;
}

// (lane x, row y): lane 0 the row mean, lane 1 its rstd = 1 / sqrt(var + eps)
function rowMeanRstd(this: KernelThis<LnConstants>, x: Float32Array, eps: number): number {
  const base = this.thread.y * this.constants.cols;
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    sum += x[base + j]!;
  }
  const mean = sum / this.constants.cols;
  if (this.thread.x === 0) return mean;
  let ss = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    const d = x[base + j]! - mean;
    ss += d * d;
  }
  return 1 / Math.sqrt(ss / this.constants.cols + eps);
}

function layernormCell(
  this: KernelThis<LnConstants>,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array,
  stats: Float32Array,
): number {
  const row = this.thread.y;
  const c = this.thread.x;
  return (x[row * this.constants.cols + c]! - stats[row * 2]!) * stats[row * 2 + 1]! * w[c]! + b[c]!;
}

// (lane x, row y): lane 0 mean(g), lane 1 mean(g · x̂), with g = dout · w and x̂ = (x − mean) · rstd
function rowGradMeans(
  this: KernelThis<LnConstants>,
  dout: Float32Array,
  x: Float32Array,
  w: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
): number {
  const row = this.thread.y;
  const base = row * this.constants.cols;
  let acc = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    const g = dout[base + j]! * w[j]!;
    if (this.thread.x === 0) {
      acc += g;
    } else {
      acc += g * (x[base + j]! - mean[row]!) * rstd[row]!;
    }
  }
  return acc / this.constants.cols;
}

function layernormDxCell(
  this: KernelThis<LnConstants>,
  dout: Float32Array,
  x: Float32Array,
  w: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  gm: Float32Array,
): number {
  const row = this.thread.y;
  const c = this.thread.x;
  const i = row * this.constants.cols + c;
  const xhat = (x[i]! - mean[row]!) * rstd[row]!;
  return rstd[row]! * (dout[i]! * w[c]! - gm[row * 2]! - xhat * gm[row * 2 + 1]!);
}

// (column x, lane y): lane 0 dweight[c] + Σ dout · x̂, lane 1 dbias[c] + Σ dout
function layernormDwDbCell(
  this: KernelThis<LnConstants>,
  dout: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  dwdb: Float32Array,
): number {
  const c = this.thread.x;
  let sum = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    const i = r * this.constants.cols + c;
    if (this.thread.y === 0) {
      sum += dout[i]! * (x[i]! - mean[r]!) * rstd[r]!;
    } else {
      sum += dout[i]!;
    }
  }
  return dwdb[this.thread.y * this.constants.cols + c]! + sum;
}

export function* layernormPlan(args: HostArgs<LayernormArgs>): Plan {
  const { x, weight, bias, out, mean, rstd, rows, cols, eps } = args;
  checkDims('layernorm', { rows, cols });
  checkFinite('layernorm', 'eps', eps);
  checkLength('layernorm', 'x (T, C)', x, rows * cols);
  checkLength('layernorm', 'weight (C)', weight, cols);
  checkLength('layernorm', 'bias (C)', bias, cols);
  checkLength('layernorm', 'out (T, C)', out, rows * cols);
  checkLength('layernorm', 'mean (T)', mean, rows);
  checkLength('layernorm', 'rstd (T)', rstd, rows);
  if (rows * cols === 0) return;
  const xs = head(x, rows * cols); // (T, C)
  const stats = new Float32Array(rows * 2); // (T, 2)
  const constants = { rows, cols };
  yield launch(
    `layernorm.stats:${rows}x${cols}`,
    () => ({ fn: rowMeanRstd, output: [2, rows], constants, argumentTypes: { x: 'Array', eps: 'Float' } }),
    [xs, eps],
    stats,
  );
  for (let r = 0; r < rows; r++) {
    mean[r] = stats[r * 2]!;
    rstd[r] = stats[r * 2 + 1]!;
  }
  yield launch(
    `layernorm:${rows}x${cols}`,
    () => ({
      fn: layernormCell,
      output: [cols, rows], // (T, C)
      constants,
      argumentTypes: { x: 'Array', w: 'Array', b: 'Array', stats: 'Array' },
    }),
    [xs, head(weight, cols), head(bias, cols), stats],
    out,
  );
}

export function* layernormBackwardPlan(args: HostArgs<LayernormBackwardArgs>): Plan {
  const { dout, x, weight, mean, rstd, dx, rows, cols } = args;
  const dw = args.dweightAccumulate;
  const db = args.dbiasAccumulate;
  checkDims('layernormBackward', { rows, cols });
  for (const [label, arr] of [
    ['dout (T, C)', dout],
    ['x (T, C)', x],
    ['dx (T, C)', dx],
  ] as const) {
    checkLength('layernormBackward', label, arr, rows * cols);
  }
  checkLength('layernormBackward', 'weight (C)', weight, cols);
  checkLength('layernormBackward', 'mean (T)', mean, rows);
  checkLength('layernormBackward', 'rstd (T)', rstd, rows);
  if (dw) checkLength('layernormBackward', 'dweightAccumulate (C)', dw, cols);
  if (db) checkLength('layernormBackward', 'dbiasAccumulate (C)', db, cols);
  if (rows * cols === 0) return;
  const douts = head(dout, rows * cols); // (T, C)
  const xs = head(x, rows * cols); // (T, C)
  const ws = head(weight, cols); // (C)
  const mu = head(mean, rows); // (T)
  const rs = head(rstd, rows); // (T)
  const gm = new Float32Array(rows * 2); // (T, 2)
  const constants = { rows, cols };
  yield launch(
    `layernormBackward.means:${rows}x${cols}`,
    () => ({
      fn: rowGradMeans,
      output: [2, rows],
      constants,
      argumentTypes: { dout: 'Array', x: 'Array', w: 'Array', mean: 'Array', rstd: 'Array' },
    }),
    [douts, xs, ws, mu, rs],
    gm,
  );
  yield launch(
    `layernormBackward.dx:${rows}x${cols}`,
    () => ({
      fn: layernormDxCell,
      output: [cols, rows], // (T, C)
      constants,
      argumentTypes: { dout: 'Array', x: 'Array', w: 'Array', mean: 'Array', rstd: 'Array', gm: 'Array' },
    }),
    [douts, xs, ws, mu, rs, gm],
    dx,
  );
  if (!dw && !db) return;
  const dwdb = new Float32Array(2 * cols); // (2, C)
  if (dw) dwdb.set(dw.subarray(0, cols), 0);
  if (db) dwdb.set(db.subarray(0, cols), cols);
  yield launch(
    `layernormBackward.dwdb:${rows}x${cols}`,
    () => ({
      fn: layernormDwDbCell,
      output: [cols, 2], // (2, C)
      constants,
      argumentTypes: { dout: 'Array', x: 'Array', mean: 'Array', rstd: 'Array', dwdb: 'Array' },
    }),
    [douts, xs, mu, rs, dwdb],
    dwdb,
  );
  if (dw) dw.set(dwdb.subarray(0, cols));
  if (db) db.set(dwdb.subarray(cols));
}

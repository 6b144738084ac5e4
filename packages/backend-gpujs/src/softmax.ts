// Reference: torch.softmax over the last dim (max-subtracted) and its backward dx = y ⊙ (dy − Σ dy·y).

import type { HostArgs, SoftmaxArgs, SoftmaxBackwardArgs } from '@lora/core';
import { checkDims, checkLength } from '@lora/core';
import type { KernelThis, Plan } from './runner.js';
import { launch } from './runner.js';
import { head } from './upload.js';

interface RowConstants {
  cols: number;
}

// Row statistics at (lane x, row y): lane 0 the row max, lane 1 Σ exp(x − max).
function rowMaxSum(this: KernelThis<RowConstants>, x: Float32Array): number {
  const base = this.thread.y * this.constants.cols;
  let max = x[base]!;
  for (let j = 1; j < this.constants.cols; j++) {
    max = Math.max(max, x[base + j]!);
  }
  if (this.thread.x === 0) return max;
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    sum += Math.exp(x[base + j]! - max);
  }
  return sum;
}

function softmaxCell(this: KernelThis<RowConstants>, x: Float32Array, stats: Float32Array): number {
  const row = this.thread.y;
  return Math.exp(x[row * this.constants.cols + this.thread.x]! - stats[row * 2]!) / stats[row * 2 + 1]!;
}

function rowDot(this: KernelThis<RowConstants>, y: Float32Array, dy: Float32Array): number {
  const base = this.thread.x * this.constants.cols;
  let dot = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    dot += y[base + j]! * dy[base + j]!;
  }
  return dot;
}

function softmaxBackwardCell(
  this: KernelThis<RowConstants>,
  y: Float32Array,
  dy: Float32Array,
  dots: Float32Array,
): number {
  const i = this.thread.y * this.constants.cols + this.thread.x;
  return y[i]! * (dy[i]! - dots[this.thread.y]!);
}

export function* softmaxPlan({ x, out, rows, cols }: HostArgs<SoftmaxArgs>): Plan {
  checkDims('softmax', { rows, cols });
  checkLength('softmax', 'x', x, rows * cols);
  checkLength('softmax', 'out', out, rows * cols);
  if (rows * cols === 0) return;
  const xs = head(x, rows * cols); // (T, C)
  const stats = new Float32Array(rows * 2); // (T, 2)
  const constants = { cols };
  yield launch(
    `softmax.stats:${rows}x${cols}`,
    () => ({ fn: rowMaxSum, output: [2, rows], constants, argumentTypes: { x: 'Array' } }),
    [xs],
    stats,
  );
  yield launch(
    `softmax:${rows}x${cols}`,
    () => ({
      fn: softmaxCell,
      output: [cols, rows],
      constants,
      argumentTypes: { x: 'Array', stats: 'Array' },
    }),
    [xs, stats],
    out,
  );
}

export function* softmaxBackwardPlan({ y, dy, dx, rows, cols }: HostArgs<SoftmaxBackwardArgs>): Plan {
  checkDims('softmaxBackward', { rows, cols });
  checkLength('softmaxBackward', 'y', y, rows * cols);
  checkLength('softmaxBackward', 'dy', dy, rows * cols);
  checkLength('softmaxBackward', 'dx', dx, rows * cols);
  if (rows * cols === 0) return;
  const ys = head(y, rows * cols); // (T, C)
  const dys = head(dy, rows * cols); // (T, C)
  const dots = new Float32Array(rows); // (T)
  const constants = { cols };
  yield launch(
    `softmaxBackward.dot:${rows}x${cols}`,
    () => ({ fn: rowDot, output: [rows], constants, argumentTypes: { y: 'Array', dy: 'Array' } }),
    [ys, dys],
    dots,
  );
  yield launch(
    `softmaxBackward:${rows}x${cols}`,
    () => ({
      fn: softmaxBackwardCell,
      output: [cols, rows],
      constants,
      argumentTypes: { y: 'Array', dy: 'Array', dots: 'Array' },
    }),
    [ys, dys, dots],
    dx,
  );
}

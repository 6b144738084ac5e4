// Row softmaxes on device arrays: softmax and its backward (torch.softmax over the last dim, dx = y ⊙ (dy − Σ y·dy))
// and the masked attention softmax (transformers' eager attention: causal and padding mask as −∞, padded queries 0).
// Each is a per-row statistics pass into scratch, then one cell per element; no workgroup memory to share a row in.
import { checkCausalSoftmaxArgs, checkSoftmaxArgs, checkSoftmaxBackwardArgs } from '@lora/core';
import type { KernelThis } from '../../runner.js';
import { cells, type DeviceKernels, divFloor, own } from './common.js';

interface RowConstants {
  cols: number;
}

// (T, 2): lane 0 the row max, lane 1 Σ exp(x − max)
function rowMaxSum(this: KernelThis<RowConstants>, x: Float32Array, xOff: number): number {
  const row = divFloor(this.thread.x, 2);
  const lane = this.thread.x - 2 * row;
  const base = xOff + row * this.constants.cols;
  let max = x[base]!;
  for (let j = 1; j < this.constants.cols; j++) {
    max = Math.max(max, x[base + j]!);
  }
  if (lane < 0.5) return max;
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    sum += Math.exp(x[base + j]! - max);
  }
  return sum;
}

function softmaxCell(
  this: KernelThis<RowConstants>,
  x: Float32Array,
  xOff: number,
  stats: Float32Array,
): number {
  const i = this.thread.x;
  const row = divFloor(i, this.constants.cols);
  return Math.exp(x[xOff + i]! - stats[2 * row]!) / stats[2 * row + 1]!;
}

// (T): Σ y·dy over the row
function rowDot(
  this: KernelThis<RowConstants>,
  y: Float32Array,
  yOff: number,
  dy: Float32Array,
  dyOff: number,
): number {
  const base = this.thread.x * this.constants.cols;
  let dot = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    dot += y[yOff + base + j]! * dy[dyOff + base + j]!;
  }
  return dot;
}

function softmaxBackwardCell(
  this: KernelThis<RowConstants>,
  y: Float32Array,
  yOff: number,
  dy: Float32Array,
  dyOff: number,
  dots: Float32Array,
): number {
  const i = this.thread.x;
  return y[yOff + i]! * (dy[dyOff + i]! - dots[divFloor(i, this.constants.cols)]!);
}

interface AttentionConstants {
  heads: number;
  queries: number;
  keys: number;
  queryStart: number;
}

// (rows, 2) over rows = (blocks, heads, queries): lane 0 the max over the keys the query sees, lane 1 Σ exp(x − max)
function causalMaxSum(
  this: KernelThis<AttentionConstants>,
  x: Float32Array,
  xOff: number,
  negInf: number,
): number {
  const row = divFloor(this.thread.x, 2);
  const lane = this.thread.x - 2 * row;
  const last =
    this.constants.queryStart + row - divFloor(row, this.constants.queries) * this.constants.queries;
  const base = xOff + row * this.constants.keys;
  let max = negInf;
  for (let j = 0; j < this.constants.keys; j++) {
    if (j <= last) max = Math.max(max, x[base + j]!);
  }
  if (lane < 0.5) return max;
  let sum = 0;
  for (let j = 0; j < this.constants.keys; j++) {
    if (j <= last) sum += Math.exp(x[base + j]! - max);
  }
  return sum;
}

function causalCell(
  this: KernelThis<AttentionConstants>,
  x: Float32Array,
  xOff: number,
  stats: Float32Array,
): number {
  const i = this.thread.x;
  const row = divFloor(i, this.constants.keys);
  const j = i - row * this.constants.keys;
  const last =
    this.constants.queryStart + row - divFloor(row, this.constants.queries) * this.constants.queries;
  if (j > last) return 0;
  return Math.exp(x[xOff + i]! - stats[2 * row]!) / stats[2 * row + 1]!;
}

// as causalMaxSum, over the keys the mask keeps: key j of block b is real when keyMask[maskOffsets[b] + j] ≠ 0
function maskedMaxSum(
  this: KernelThis<AttentionConstants>,
  x: Float32Array,
  xOff: number,
  keyMask: Float32Array,
  maskOff: number,
  maskOffsets: Float32Array,
  offsetsOff: number,
  negInf: number,
): number {
  const row = divFloor(this.thread.x, 2);
  const lane = this.thread.x - 2 * row;
  const rowInBlock = row - divFloor(row, this.constants.queries) * this.constants.queries;
  const last = this.constants.queryStart + rowInBlock;
  const block = divFloor(row, this.constants.heads * this.constants.queries);
  const keys = maskOff + maskOffsets[offsetsOff + block]!;
  const base = xOff + row * this.constants.keys;
  let max = negInf;
  for (let j = 0; j < this.constants.keys; j++) {
    if (j <= last && keyMask[keys + j]! !== 0) max = Math.max(max, x[base + j]!);
  }
  if (lane < 0.5) return max;
  let sum = 0;
  for (let j = 0; j < this.constants.keys; j++) {
    if (j <= last && keyMask[keys + j]! !== 0) sum += Math.exp(x[base + j]! - max);
  }
  return sum;
}

function maskedCell(
  this: KernelThis<AttentionConstants>,
  x: Float32Array,
  xOff: number,
  stats: Float32Array,
  keyMask: Float32Array,
  maskOff: number,
  maskOffsets: Float32Array,
  offsetsOff: number,
): number {
  const i = this.thread.x;
  const row = divFloor(i, this.constants.keys);
  const j = i - row * this.constants.keys;
  const last =
    this.constants.queryStart + row - divFloor(row, this.constants.queries) * this.constants.queries;
  if (j > last) return 0;
  const block = divFloor(row, this.constants.heads * this.constants.queries);
  const keys = maskOff + maskOffsets[offsetsOff + block]!;
  if (keyMask[keys + last]! === 0) return 0; // the query is padding: a row of zeros
  if (keyMask[keys + j]! === 0) return 0;
  return Math.exp(x[xOff + i]! - stats[2 * row]!) / stats[2 * row + 1]!;
}

export const ROW_KERNELS = {
  softmax(gx, args) {
    checkSoftmaxArgs(args);
    const { rows, cols } = args;
    const [x, out] = [own(gx, args.x, 'softmax', 'x'), own(gx, args.out, 'softmax', 'out')];
    if (rows * cols === 0) return;
    const constants = { cols };
    const stats = gx.ex.compute(
      2 * rows,
      cells(
        `softmax.stats:${cols}`,
        rowMaxSum,
        2 * rows,
        [
          ['x', x],
          ['xOff', x.offset],
        ],
        { constants },
      ),
    );
    const launch = cells(
      `softmax:${cols}`,
      softmaxCell,
      rows * cols,
      [
        ['x', x],
        ['xOff', x.offset],
        ['stats', stats],
      ],
      { constants },
    );
    gx.ex.write(out, rows * cols, launch);
    gx.ex.drop(stats);
  },
  softmaxBackward(gx, args) {
    checkSoftmaxBackwardArgs(args);
    const { rows, cols } = args;
    const k = 'softmaxBackward';
    const [y, dy, dx] = [own(gx, args.y, k, 'y'), own(gx, args.dy, k, 'dy'), own(gx, args.dx, k, 'dx')];
    if (rows * cols === 0) return;
    const constants = { cols };
    const ys: [string, typeof y | number][] = [
      ['y', y],
      ['yOff', y.offset],
      ['dy', dy],
      ['dyOff', dy.offset],
    ];
    const dots = gx.ex.compute(rows, cells(`softmaxBackward.dot:${cols}`, rowDot, rows, ys, { constants }));
    const launch = cells(
      `softmaxBackward:${cols}`,
      softmaxBackwardCell,
      rows * cols,
      [...ys, ['dots', dots]],
      {
        constants,
      },
    );
    gx.ex.write(dx, rows * cols, launch);
    gx.ex.drop(dots);
  },
  causalSoftmax(gx, args) {
    checkCausalSoftmaxArgs(args);
    const { blocks, heads, queries, keys, queryStart } = args;
    const [x, out] = [own(gx, args.x, 'causalSoftmax', 'x'), own(gx, args.out, 'causalSoftmax', 'out')];
    const rows = blocks * heads * queries;
    if (rows * keys === 0) return;
    const constants = { heads, queries, keys, queryStart };
    const shape = `${heads}x${queries}x${keys}@${queryStart}`;
    if (!args.keyMask || !args.maskOffsets) {
      const stats = gx.ex.compute(
        2 * rows,
        cells(
          `causalSoftmax.stats:${shape}`,
          causalMaxSum,
          2 * rows,
          [
            ['x', x],
            ['xOff', x.offset],
            ['negInf', Number.NEGATIVE_INFINITY],
          ],
          { constants },
        ),
      );
      const launch = cells(
        `causalSoftmax:${shape}`,
        causalCell,
        rows * keys,
        [
          ['x', x],
          ['xOff', x.offset],
          ['stats', stats],
        ],
        { constants },
      );
      gx.ex.write(out, rows * keys, launch);
      gx.ex.drop(stats);
      return;
    }
    const mask = own(gx, args.keyMask, 'causalSoftmax', 'keyMask');
    const offsets = own(gx, args.maskOffsets, 'causalSoftmax', 'maskOffsets');
    const stats = gx.ex.compute(
      2 * rows,
      cells(
        `causalSoftmax.maskedStats:${shape}`,
        maskedMaxSum,
        2 * rows,
        [
          ['x', x],
          ['xOff', x.offset],
          ['keyMask', mask],
          ['maskOff', mask.offset],
          ['maskOffsets', offsets],
          ['offsetsOff', offsets.offset],
          ['negInf', Number.NEGATIVE_INFINITY],
        ],
        { constants },
      ),
    );
    const launch = cells(
      `causalSoftmax.masked:${shape}`,
      maskedCell,
      rows * keys,
      [
        ['x', x],
        ['xOff', x.offset],
        ['stats', stats],
        ['keyMask', mask],
        ['maskOff', mask.offset],
        ['maskOffsets', offsets],
        ['offsetsOff', offsets.offset],
      ],
      { constants },
    );
    gx.ex.write(out, rows * keys, launch);
    gx.ex.drop(stats);
  },
} satisfies DeviceKernels;

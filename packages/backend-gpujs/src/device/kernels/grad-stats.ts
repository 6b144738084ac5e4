// Reductions for the optimizer step on device arrays: Σ x² (torch clip_grad_norm_'s norm), the count of non-finite
// values (the trainer's NaN guard), the clip factor from the summed squares, and column sums (a bias gradient).
// gpu.js kernels cannot share partial sums between threads, so a long reduction is a tree of passes: each cell sums
// a chunk of 512 into scratch until one chunk is left, which the last pass adds to the output.
import { checkColumnSumsArgs, checkGradClipArgs, checkReductionArgs } from '@lora/core';
import type { KernelThis } from '../../runner.js';
import type { TextureArray, TextureRecord } from '../arrays.js';
import { cells, type DeviceContext, type DeviceKernels, FLT_MAX, own } from './common.js';

/** Elements one cell of a reduction pass sums. */
export const REDUCE_CHUNK = 512;

const SQUARES = 0;
const NON_FINITE = 1;
const PLAIN = 2;

interface ReduceConstants {
  n: number;
  chunk: number;
}

// (⌈n / chunk⌉): Σ f(x) over chunk x.thread of x[0, n), f by `kind` (x², [x not finite], x); + prev[0] when usePrev
function reduceCell(
  this: KernelThis<ReduceConstants>,
  x: Float32Array,
  xOff: number,
  prev: Float32Array,
  prevOff: number,
  usePrev: number,
  kind: number,
  fmax: number,
): number {
  const start = this.thread.x * this.constants.chunk;
  let sum = 0;
  for (let j = 0; j < this.constants.chunk; j++) {
    const i = start + j;
    if (i < this.constants.n) {
      const v = x[xOff + i]!;
      if (kind < 0.5) {
        sum += v * v;
      } else if (kind < 1.5) {
        let finite = 0;
        if (Math.abs(v) <= fmax) finite = 1;
        sum += 1 - finite;
      } else {
        sum += v;
      }
    }
  }
  if (usePrev > 0.5) return prev[prevOff]! + sum;
  return sum;
}

/** out[0] += Σ f(x[0, n)), as passes of REDUCE_CHUNK until one cell is left. */
function reduceInto(
  gx: DeviceContext,
  name: string,
  x: TextureArray,
  n: number,
  out: TextureArray,
  kind: number,
): void {
  let source: TextureArray | TextureRecord = x;
  let offset = x.offset;
  let count = n;
  let level: TextureRecord | undefined;
  while (count > REDUCE_CHUNK) {
    const cellsNeeded = Math.ceil(count / REDUCE_CHUNK);
    const next = gx.ex.compute(
      cellsNeeded,
      cells(
        `${name}.partial:${count}`,
        reduceCell,
        cellsNeeded,
        [
          ['x', source],
          ['xOff', offset],
          ['prev', source],
          ['prevOff', 0],
          ['usePrev', 0],
          ['kind', level ? PLAIN : kind],
          ['fmax', FLT_MAX],
        ],
        { constants: { n: count, chunk: REDUCE_CHUNK } },
      ),
    );
    if (level) gx.ex.drop(level);
    level = next;
    source = next;
    offset = 0;
    count = cellsNeeded;
  }
  const total = gx.ex.compute(
    1,
    cells(
      `${name}.total:${count}`,
      reduceCell,
      1,
      [
        ['x', source],
        ['xOff', offset],
        ['prev', out],
        ['prevOff', out.offset],
        ['usePrev', 1],
        ['kind', level ? PLAIN : kind],
        ['fmax', FLT_MAX],
      ],
      { constants: { n: count, chunk: count } },
    ),
  );
  if (level) gx.ex.drop(level);
  gx.ex.commit(out, total);
}

// (1): min(1, maxNorm / (√sumSquares + 1e-6)), 1 when maxNorm ≤ 0, NaN when the norm is not finite
function clipCell(
  this: KernelThis<Record<string, never>>,
  sumSquares: Float32Array,
  ssOff: number,
  maxNorm: number,
  fmax: number,
  nan: number,
): number {
  const norm = Math.sqrt(sumSquares[ssOff]!);
  let finite = 0;
  if (norm <= fmax) finite = 1;
  if (finite < 0.5) return nan;
  if (maxNorm > 0) return Math.min(1, maxNorm / (norm + 1e-6));
  return 1;
}

// (C): prev[c] + Σ_rows x[r, c]
function columnSumCell(
  this: KernelThis<{ rows: number; cols: number }>,
  x: Float32Array,
  xOff: number,
  prev: Float32Array,
  prevOff: number,
): number {
  let sum = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    sum += x[xOff + r * this.constants.cols + this.thread.x]!;
  }
  return prev[prevOff + this.thread.x]! + sum;
}

export const GRAD_STAT_KERNELS = {
  sumSquares(gx, args) {
    checkReductionArgs('sumSquares', args);
    const [x, out] = [own(gx, args.x, 'sumSquares', 'x'), own(gx, args.out, 'sumSquares', 'out')];
    if (args.n > 0) reduceInto(gx, 'sumSquares', x, args.n, out, SQUARES);
  },
  countNonFinite(gx, args) {
    checkReductionArgs('countNonFinite', args);
    const [x, out] = [own(gx, args.x, 'countNonFinite', 'x'), own(gx, args.out, 'countNonFinite', 'out')];
    if (args.n > 0) reduceInto(gx, 'countNonFinite', x, args.n, out, NON_FINITE);
  },
  gradClip(gx, args) {
    checkGradClipArgs(args);
    const [ss, factor] = [
      own(gx, args.sumSquares, 'gradClip', 'sumSquares'),
      own(gx, args.factor, 'gradClip', 'factor'),
    ];
    const launch = cells('gradClip', clipCell, 1, [
      ['sumSquares', ss],
      ['ssOff', ss.offset],
      ['maxNorm', args.maxNorm],
      ['fmax', FLT_MAX],
      ['nan', Number.NaN],
    ]);
    gx.ex.write(factor, 1, launch);
  },
  columnSums(gx, args) {
    checkColumnSumsArgs(args);
    const { rows, cols } = args;
    const [x, out] = [
      own(gx, args.x, 'columnSums', 'x'),
      own(gx, args.outAccumulate, 'columnSums', 'outAccumulate'),
    ];
    if (cols === 0 || rows === 0) return; // adding no rows leaves out as it is
    const launch = cells(
      `columnSums:${rows}x${cols}`,
      columnSumCell,
      cols,
      [
        ['x', x],
        ['xOff', x.offset],
        ['prev', out],
        ['prevOff', out.offset],
      ],
      { constants: { rows, cols } },
    );
    gx.ex.write(out, cols, launch);
  },
} satisfies DeviceKernels;

// RMSNorm (transformers LlamaRMSNorm; GemmaRMSNorm with weightOffset 1) and LayerNorm (F.layer_norm) on device arrays,
// forward and backward as llm.c derives them: per-row statistics into scratch, then one cell per element, and the
// weight/bias gradients as one cell per column summing over the rows. Every output is computed before any is
// committed, so an output that aliases an input never feeds a later pass.
import {
  checkLayernormArgs,
  checkLayernormBackwardArgs,
  checkRmsnormArgs,
  checkRmsnormBackwardArgs,
} from '@lora/core';
import type { KernelThis } from '../../runner.js';
import type { TextureArray } from '../arrays.js';
import type { LaunchArg } from '../executor.js';
import { cells, type DeviceKernels, divFloor, own } from './common.js';

interface NormConstants {
  rows: number;
  cols: number;
}

/** An input as its two launch arguments: the array and its offset. */
function input(name: string, array: TextureArray): [string, LaunchArg][] {
  return [
    [name, array],
    [`${name}Off`, array.offset],
  ];
}

// (T): 1 / sqrt(mean(x²) + eps)
function rmsRstd(this: KernelThis<NormConstants>, x: Float32Array, xOff: number, eps: number): number {
  const base = xOff + this.thread.x * this.constants.cols;
  let ss = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    ss += x[base + j]! * x[base + j]!;
  }
  return 1 / Math.sqrt(ss / this.constants.cols + eps);
}

function rmsnormCell(
  this: KernelThis<NormConstants>,
  x: Float32Array,
  xOff: number,
  w: Float32Array,
  wOff: number,
  rstd: Float32Array,
  offset: number,
): number {
  const i = this.thread.x;
  const row = divFloor(i, this.constants.cols);
  const c = i - row * this.constants.cols;
  return x[xOff + i]! * rstd[row]! * (offset + w[wOff + c]!);
}

// (T): mean over the row of g · x̂, g = dout · (offset + w), x̂ = x · rstd
function rmsGradMean(
  this: KernelThis<NormConstants>,
  dout: Float32Array,
  doutOff: number,
  x: Float32Array,
  xOff: number,
  w: Float32Array,
  wOff: number,
  rstd: Float32Array,
  rstdOff: number,
  offset: number,
): number {
  const base = this.thread.x * this.constants.cols;
  let dot = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    dot += dout[doutOff + base + j]! * (offset + w[wOff + j]!) * x[xOff + base + j]!;
  }
  return (dot * rstd[rstdOff + this.thread.x]!) / this.constants.cols;
}

function rmsnormDxCell(
  this: KernelThis<NormConstants>,
  dout: Float32Array,
  doutOff: number,
  x: Float32Array,
  xOff: number,
  w: Float32Array,
  wOff: number,
  rstd: Float32Array,
  rstdOff: number,
  offset: number,
  means: Float32Array,
): number {
  const i = this.thread.x;
  const row = divFloor(i, this.constants.cols);
  const c = i - row * this.constants.cols;
  const rs = rstd[rstdOff + row]!;
  return rs * (dout[doutOff + i]! * (offset + w[wOff + c]!) - x[xOff + i]! * rs * means[row]!);
}

// (C): dweight[c] + Σ_rows dout · x · rstd
function rmsnormDwCell(
  this: KernelThis<NormConstants>,
  dout: Float32Array,
  doutOff: number,
  x: Float32Array,
  xOff: number,
  rstd: Float32Array,
  rstdOff: number,
  dw: Float32Array,
  dwOff: number,
): number {
  let sum = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    const i = r * this.constants.cols + this.thread.x;
    sum += dout[doutOff + i]! * x[xOff + i]! * rstd[rstdOff + r]!;
  }
  return dw[dwOff + this.thread.x]! + sum;
}

// (T, 2): lane 0 the row mean, lane 1 its rstd = 1 / sqrt(var + eps), the variance in two passes
function lnStats(this: KernelThis<NormConstants>, x: Float32Array, xOff: number, eps: number): number {
  const row = divFloor(this.thread.x, 2);
  const lane = this.thread.x - 2 * row;
  const base = xOff + row * this.constants.cols;
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    sum += x[base + j]!;
  }
  const mean = sum / this.constants.cols;
  if (lane < 0.5) return mean;
  let ss = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    const d = x[base + j]! - mean;
    ss += d * d;
  }
  return 1 / Math.sqrt(ss / this.constants.cols + eps);
}

// (T): lane `lane` of the (T, 2) stats
function statsLane(this: KernelThis<NormConstants>, stats: Float32Array, lane: number): number {
  return stats[2 * this.thread.x + lane]!;
}

function layernormCell(
  this: KernelThis<NormConstants>,
  x: Float32Array,
  xOff: number,
  w: Float32Array,
  wOff: number,
  b: Float32Array,
  bOff: number,
  stats: Float32Array,
): number {
  const i = this.thread.x;
  const row = divFloor(i, this.constants.cols);
  const c = i - row * this.constants.cols;
  return (x[xOff + i]! - stats[2 * row]!) * stats[2 * row + 1]! * w[wOff + c]! + b[bOff + c]!;
}

// (T, 2): lane 0 mean(g), lane 1 mean(g · x̂), g = dout · w, x̂ = (x − mean) · rstd
function lnGradMeans(
  this: KernelThis<NormConstants>,
  dout: Float32Array,
  doutOff: number,
  x: Float32Array,
  xOff: number,
  w: Float32Array,
  wOff: number,
  mean: Float32Array,
  meanOff: number,
  rstd: Float32Array,
  rstdOff: number,
): number {
  const row = divFloor(this.thread.x, 2);
  const lane = this.thread.x - 2 * row;
  const base = row * this.constants.cols;
  const mu = mean[meanOff + row]!;
  const rs = rstd[rstdOff + row]!;
  let acc = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    const g = dout[doutOff + base + j]! * w[wOff + j]!;
    if (lane < 0.5) {
      acc += g;
    } else {
      acc += g * (x[xOff + base + j]! - mu) * rs;
    }
  }
  return acc / this.constants.cols;
}

function layernormDxCell(
  this: KernelThis<NormConstants>,
  dout: Float32Array,
  doutOff: number,
  x: Float32Array,
  xOff: number,
  w: Float32Array,
  wOff: number,
  mean: Float32Array,
  meanOff: number,
  rstd: Float32Array,
  rstdOff: number,
  gm: Float32Array,
): number {
  const i = this.thread.x;
  const row = divFloor(i, this.constants.cols);
  const c = i - row * this.constants.cols;
  const rs = rstd[rstdOff + row]!;
  const xhat = (x[xOff + i]! - mean[meanOff + row]!) * rs;
  return rs * (dout[doutOff + i]! * w[wOff + c]! - gm[2 * row]! - xhat * gm[2 * row + 1]!);
}

// (C): prev[c] + Σ_rows dout · x̂ (withXhat 1) or Σ_rows dout (withXhat 0)
function layernormColumnCell(
  this: KernelThis<NormConstants>,
  dout: Float32Array,
  doutOff: number,
  x: Float32Array,
  xOff: number,
  mean: Float32Array,
  meanOff: number,
  rstd: Float32Array,
  rstdOff: number,
  prev: Float32Array,
  prevOff: number,
  withXhat: number,
): number {
  let sum = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    const i = r * this.constants.cols + this.thread.x;
    if (withXhat > 0.5) {
      sum += dout[doutOff + i]! * (x[xOff + i]! - mean[meanOff + r]!) * rstd[rstdOff + r]!;
    } else {
      sum += dout[doutOff + i]!;
    }
  }
  return prev[prevOff + this.thread.x]! + sum;
}

export const NORM_KERNELS = {
  rmsnorm(gx, args) {
    checkRmsnormArgs(args);
    const { rows, cols, eps } = args;
    const offset = args.weightOffset ?? 0;
    const k = 'rmsnorm';
    const [x, w] = [own(gx, args.x, k, 'x'), own(gx, args.weight, k, 'weight')];
    const [out, rstd] = [own(gx, args.out, k, 'out'), own(gx, args.rstd, k, 'rstd')];
    if (rows * cols === 0) return;
    const constants = { rows, cols };
    const rs = gx.ex.compute(
      rows,
      cells(`rmsnorm.rstd:${cols}`, rmsRstd, rows, [...input('x', x), ['eps', eps]], { constants }),
    );
    const y = gx.ex.compute(
      rows * cols,
      cells(
        `rmsnorm:${cols}`,
        rmsnormCell,
        rows * cols,
        [...input('x', x), ...input('w', w), ['rstd', rs], ['offset', offset]],
        {
          constants,
        },
      ),
    );
    gx.ex.commit(out, y);
    gx.ex.commit(rstd, rs);
  },
  rmsnormBackward(gx, args) {
    checkRmsnormBackwardArgs(args);
    const { rows, cols } = args;
    const offset = args.weightOffset ?? 0;
    const k = 'rmsnormBackward';
    const [dout, x, w] = [
      own(gx, args.dout, k, 'dout'),
      own(gx, args.x, k, 'x'),
      own(gx, args.weight, k, 'weight'),
    ];
    const [rstd, dx] = [own(gx, args.rstd, k, 'rstd'), own(gx, args.dx, k, 'dx')];
    const dw = args.dweightAccumulate ? own(gx, args.dweightAccumulate, k, 'dweightAccumulate') : undefined;
    if (rows * cols === 0) return;
    const constants = { rows, cols };
    const common: [string, LaunchArg][] = [
      ...input('dout', dout),
      ...input('x', x),
      ...input('w', w),
      ...input('rstd', rstd),
      ['offset', offset],
    ];
    const means = gx.ex.compute(
      rows,
      cells(`rmsnormBackward.mean:${cols}`, rmsGradMean, rows, common, { constants }),
    );
    const dxs = gx.ex.compute(
      rows * cols,
      cells(`rmsnormBackward.dx:${cols}`, rmsnormDxCell, rows * cols, [...common, ['means', means]], {
        constants,
      }),
    );
    const dws =
      dw &&
      gx.ex.compute(
        cols,
        cells(
          `rmsnormBackward.dw:${rows}x${cols}`,
          rmsnormDwCell,
          cols,
          [...input('dout', dout), ...input('x', x), ...input('rstd', rstd), ...input('dw', dw)],
          {
            constants,
          },
        ),
      );
    gx.ex.drop(means);
    gx.ex.commit(dx, dxs);
    if (dw && dws) gx.ex.commit(dw, dws);
  },
  layernorm(gx, args) {
    checkLayernormArgs(args);
    const { rows, cols, eps } = args;
    const k = 'layernorm';
    const [x, w, b] = [
      own(gx, args.x, k, 'x'),
      own(gx, args.weight, k, 'weight'),
      own(gx, args.bias, k, 'bias'),
    ];
    const [out, mean, rstd] = [
      own(gx, args.out, k, 'out'),
      own(gx, args.mean, k, 'mean'),
      own(gx, args.rstd, k, 'rstd'),
    ];
    if (rows * cols === 0) return;
    const constants = { rows, cols };
    const stats = gx.ex.compute(
      2 * rows,
      cells(`layernorm.stats:${cols}`, lnStats, 2 * rows, [...input('x', x), ['eps', eps]], { constants }),
    );
    const y = gx.ex.compute(
      rows * cols,
      cells(
        `layernorm:${cols}`,
        layernormCell,
        rows * cols,
        [...input('x', x), ...input('w', w), ...input('b', b), ['stats', stats]],
        {
          constants,
        },
      ),
    );
    const means = gx.ex.compute(
      rows,
      cells('layernorm.lane', statsLane, rows, [
        ['stats', stats],
        ['lane', 0],
      ]),
    );
    const rstds = gx.ex.compute(
      rows,
      cells('layernorm.lane', statsLane, rows, [
        ['stats', stats],
        ['lane', 1],
      ]),
    );
    gx.ex.drop(stats);
    gx.ex.commit(out, y);
    gx.ex.commit(mean, means);
    gx.ex.commit(rstd, rstds);
  },
  layernormBackward(gx, args) {
    checkLayernormBackwardArgs(args);
    const { rows, cols } = args;
    const k = 'layernormBackward';
    const [dout, x, w] = [
      own(gx, args.dout, k, 'dout'),
      own(gx, args.x, k, 'x'),
      own(gx, args.weight, k, 'weight'),
    ];
    const [mean, rstd, dx] = [
      own(gx, args.mean, k, 'mean'),
      own(gx, args.rstd, k, 'rstd'),
      own(gx, args.dx, k, 'dx'),
    ];
    const dw = args.dweightAccumulate ? own(gx, args.dweightAccumulate, k, 'dweightAccumulate') : undefined;
    const db = args.dbiasAccumulate ? own(gx, args.dbiasAccumulate, k, 'dbiasAccumulate') : undefined;
    if (rows * cols === 0) return;
    const constants = { rows, cols };
    const stats: [string, LaunchArg][] = [...input('mean', mean), ...input('rstd', rstd)];
    const gm = gx.ex.compute(
      2 * rows,
      cells(
        `layernormBackward.means:${cols}`,
        lnGradMeans,
        2 * rows,
        [...input('dout', dout), ...input('x', x), ...input('w', w), ...stats],
        {
          constants,
        },
      ),
    );
    const dxs = gx.ex.compute(
      rows * cols,
      cells(
        `layernormBackward.dx:${cols}`,
        layernormDxCell,
        rows * cols,
        [...input('dout', dout), ...input('x', x), ...input('w', w), ...stats, ['gm', gm]],
        {
          constants,
        },
      ),
    );
    const column = (prev: TextureArray, withXhat: number) =>
      gx.ex.compute(
        cols,
        cells(
          `layernormBackward.column:${rows}x${cols}`,
          layernormColumnCell,
          cols,
          [
            ...input('dout', dout),
            ...input('x', x),
            ...stats,
            ...input('prev', prev),
            ['withXhat', withXhat],
          ],
          {
            constants,
          },
        ),
      );
    const dws = dw && column(dw, 1);
    const dbs = db && column(db, 0);
    gx.ex.drop(gm);
    gx.ex.commit(dx, dxs);
    if (dw && dws) gx.ex.commit(dw, dws);
    if (db && dbs) gx.ex.commit(db, dbs);
  },
} satisfies DeviceKernels;

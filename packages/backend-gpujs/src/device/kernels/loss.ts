// The loss on device arrays: chunked cross-entropy with online log-sum-exp (Milakov & Gimelshein 2018; torch
// F.cross_entropy, ignore_index < 0) and its backward, the running argmax (torch.argmax's first maximum) and the
// step's totals (ForCausalLMLoss's sum of token losses, TRL's token accuracy counts). Row statistics go to scratch;
// the running state's new values are all computed from the old before any is committed.
import {
  checkArgmaxChunkArgs,
  checkCrossEntropyChunkArgs,
  checkCrossEntropyChunkBackwardArgs,
  checkCrossEntropyStatsArgs,
} from '@lora/core';
import type { KernelThis } from '../../runner.js';
import type { TextureArray } from '../arrays.js';
import type { LaunchArg } from '../executor.js';
import { cells, type DeviceKernels, divFloor, FLT_MAX, own } from './common.js';

interface ChunkConstants {
  cols: number;
}

function input(name: string, array: TextureArray): [string, LaunchArg][] {
  return [
    [name, array],
    [`${name}Off`, array.offset],
  ];
}

// (T, 2): lane 0 the chunk's row max, lane 1 Σ exp(logit − that max)
function chunkMaxSum(this: KernelThis<ChunkConstants>, logits: Float32Array, logitsOff: number): number {
  const row = divFloor(this.thread.x, 2);
  const lane = this.thread.x - 2 * row;
  const base = logitsOff + row * this.constants.cols;
  let max = logits[base]!;
  for (let j = 1; j < this.constants.cols; j++) {
    max = Math.max(max, logits[base + j]!);
  }
  if (lane < 0.5) return max;
  let sum = 0;
  for (let j = 0; j < this.constants.cols; j++) {
    sum += Math.exp(logits[base + j]! - max);
  }
  return sum;
}

// (T): the new running max (lane 0) or running sum (lane 1); a row whose max stays −∞ keeps its state
function runningCell(
  this: KernelThis<ChunkConstants>,
  stats: Float32Array,
  runningMax: Float32Array,
  maxOff: number,
  runningSum: Float32Array,
  sumOff: number,
  lane: number,
  fmax: number,
): number {
  const r = this.thread.x;
  const prevMax = runningMax[maxOff + r]!;
  const chunkMax = stats[2 * r]!;
  const max = Math.max(prevMax, chunkMax);
  if (max < -fmax) {
    if (lane < 0.5) return prevMax;
    return runningSum[sumOff + r]!;
  }
  if (lane < 0.5) return max;
  // exp(−∞ − max) = 0 drops an empty side
  return runningSum[sumOff + r]! * Math.exp(prevMax - max) + stats[2 * r + 1]! * Math.exp(chunkMax - max);
}

// (T): the target's logit when the target falls in this chunk, else the old value
function targetLogitCell(
  this: KernelThis<ChunkConstants>,
  logits: Float32Array,
  logitsOff: number,
  targets: Float32Array,
  targetsOff: number,
  targetLogit: Float32Array,
  targetOff: number,
  vocabStart: number,
): number {
  const r = this.thread.x;
  const target = targets[targetsOff + r]!;
  const local = target - vocabStart;
  if (target >= 0 && local >= 0 && local < this.constants.cols) {
    return logits[logitsOff + r * this.constants.cols + local]!;
  }
  return targetLogit[targetOff + r]!;
}

// (T, cols): (softmax − onehot(target)) · rowScale; a negative target (ignored row) gives 0
function chunkGradCell(
  this: KernelThis<ChunkConstants>,
  logits: Float32Array,
  logitsOff: number,
  targets: Float32Array,
  targetsOff: number,
  lse: Float32Array,
  lseOff: number,
  rowScale: Float32Array,
  scaleOff: number,
  vocabStart: number,
): number {
  const i = this.thread.x;
  const row = divFloor(i, this.constants.cols);
  const c = i - row * this.constants.cols;
  const target = targets[targetsOff + row]!;
  if (target < 0) return 0;
  const p = Math.exp(logits[logitsOff + i]! - lse[lseOff + row]!);
  let hit = 0;
  if (target - vocabStart === c) hit = 1;
  return (p - hit) * rowScale[scaleOff + row]!;
}

// (T, 2): lane 0 the chunk's row max, lane 1 its first column (−1 when nothing beats −∞)
function chunkArgmax(
  this: KernelThis<ChunkConstants>,
  logits: Float32Array,
  logitsOff: number,
  negInf: number,
): number {
  const row = divFloor(this.thread.x, 2);
  const lane = this.thread.x - 2 * row;
  const base = logitsOff + row * this.constants.cols;
  let best = negInf;
  let index = -1;
  for (let j = 0; j < this.constants.cols; j++) {
    const v = logits[base + j]!;
    if (v > best) {
      best = v;
      index = j;
    }
  }
  if (lane < 0.5) return best;
  return index;
}

// (T): the new best value (lane 0) or best index (lane 1), when the chunk's best is above the running one
function bestCell(
  this: KernelThis<ChunkConstants>,
  stats: Float32Array,
  bestValue: Float32Array,
  valueOff: number,
  bestIndex: Float32Array,
  indexOff: number,
  vocabStart: number,
  lane: number,
): number {
  const r = this.thread.x;
  const old = bestValue[valueOff + r]!;
  const best = stats[2 * r]!;
  const index = stats[2 * r + 1]!;
  if (index >= 0 && best > old) {
    if (lane < 0.5) return best;
    return vocabStart + index;
  }
  if (lane < 0.5) return old;
  return bestIndex[indexOff + r]!;
}

// (T): lse = runningMax + log(runningSum)
function lseCell(
  this: KernelThis<Record<string, never>>,
  runningMax: Float32Array,
  maxOff: number,
  runningSum: Float32Array,
  sumOff: number,
): number {
  const r = this.thread.x;
  return runningMax[maxOff + r]! + Math.log(runningSum[sumOff + r]!);
}

// (3): stats + [Σ (lse − targetLogit), tokens, hits] over the rows with a target ≥ 0
function totalsCell(
  this: KernelThis<{ rows: number }>,
  targets: Float32Array,
  targetsOff: number,
  runningMax: Float32Array,
  maxOff: number,
  runningSum: Float32Array,
  sumOff: number,
  targetLogit: Float32Array,
  targetOff: number,
  bestIndex: Float32Array,
  indexOff: number,
  stats: Float32Array,
  statsOff: number,
): number {
  const lane = this.thread.x;
  let total = 0;
  for (let r = 0; r < this.constants.rows; r++) {
    const target = targets[targetsOff + r]!;
    if (target >= 0) {
      if (lane === 0) {
        const lse = runningMax[maxOff + r]! + Math.log(runningSum[sumOff + r]!);
        total += lse - targetLogit[targetOff + r]!;
      }
      if (lane === 1) total += 1;
      if (lane === 2 && bestIndex[indexOff + r]! === target) total += 1;
    }
  }
  return stats[statsOff + lane]! + total;
}

export const LOSS_KERNELS = {
  crossEntropyChunk(gx, args) {
    checkCrossEntropyChunkArgs(args);
    const { rows, cols, vocabStart } = args;
    const k = 'crossEntropyChunk';
    const [logits, targets] = [own(gx, args.logits, k, 'logits'), own(gx, args.targets, k, 'targets')];
    const runningMax = own(gx, args.runningMax, k, 'runningMax');
    const runningSum = own(gx, args.runningSum, k, 'runningSum');
    const targetLogit = own(gx, args.targetLogit, k, 'targetLogit');
    if (rows === 0) return;
    if (cols === 0) return; // nothing to fold, and no target falls in an empty chunk
    const constants = { cols };
    const stats = gx.ex.compute(
      2 * rows,
      cells(`crossEntropyChunk.stats:${cols}`, chunkMaxSum, 2 * rows, input('logits', logits), { constants }),
    );
    const running = (lane: number) =>
      gx.ex.compute(
        rows,
        cells('crossEntropyChunk.running', runningCell, rows, [
          ['stats', stats],
          ['runningMax', runningMax],
          ['maxOff', runningMax.offset],
          ['runningSum', runningSum],
          ['sumOff', runningSum.offset],
          ['lane', lane],
          ['fmax', FLT_MAX],
        ]),
      );
    const newMax = running(0);
    const newSum = running(1);
    const newTarget = gx.ex.compute(
      rows,
      cells(
        `crossEntropyChunk.target:${cols}`,
        targetLogitCell,
        rows,
        [
          ...input('logits', logits),
          ...input('targets', targets),
          ['targetLogit', targetLogit],
          ['targetOff', targetLogit.offset],
          ['vocabStart', vocabStart],
        ],
        { constants },
      ),
    );
    gx.ex.drop(stats);
    gx.ex.commit(runningMax, newMax);
    gx.ex.commit(runningSum, newSum);
    gx.ex.commit(targetLogit, newTarget);
  },
  crossEntropyChunkBackward(gx, args) {
    checkCrossEntropyChunkBackwardArgs(args);
    const { rows, cols, vocabStart } = args;
    const k = 'crossEntropyChunkBackward';
    const [logits, targets] = [own(gx, args.logits, k, 'logits'), own(gx, args.targets, k, 'targets')];
    const [lse, rowScale] = [own(gx, args.lse, k, 'lse'), own(gx, args.rowScale, k, 'rowScale')];
    const dlogits = own(gx, args.dlogits, k, 'dlogits');
    if (rows * cols === 0) return;
    const launch = cells(
      `crossEntropyChunkBackward:${cols}`,
      chunkGradCell,
      rows * cols,
      [
        ...input('logits', logits),
        ...input('targets', targets),
        ...input('lse', lse),
        ['rowScale', rowScale],
        ['scaleOff', rowScale.offset],
        ['vocabStart', vocabStart],
      ],
      { constants: { cols } },
    );
    gx.ex.write(dlogits, rows * cols, launch);
  },
  argmaxChunk(gx, args) {
    checkArgmaxChunkArgs(args);
    const { rows, cols, vocabStart } = args;
    const k = 'argmaxChunk';
    const logits = own(gx, args.logits, k, 'logits');
    const [bestValue, bestIndex] = [
      own(gx, args.bestValue, k, 'bestValue'),
      own(gx, args.bestIndex, k, 'bestIndex'),
    ];
    if (rows * cols === 0) return;
    const stats = gx.ex.compute(
      2 * rows,
      cells(
        `argmaxChunk.stats:${cols}`,
        chunkArgmax,
        2 * rows,
        [...input('logits', logits), ['negInf', Number.NEGATIVE_INFINITY]],
        {
          constants: { cols },
        },
      ),
    );
    const best = (lane: number) =>
      gx.ex.compute(
        rows,
        cells('argmaxChunk.best', bestCell, rows, [
          ['stats', stats],
          ['bestValue', bestValue],
          ['valueOff', bestValue.offset],
          ['bestIndex', bestIndex],
          ['indexOff', bestIndex.offset],
          ['vocabStart', vocabStart],
          ['lane', lane],
        ]),
      );
    const newValue = best(0);
    const newIndex = best(1);
    gx.ex.drop(stats);
    gx.ex.commit(bestValue, newValue);
    gx.ex.commit(bestIndex, newIndex);
  },
  crossEntropyStats(gx, args) {
    checkCrossEntropyStatsArgs(args);
    const { rows } = args;
    const k = 'crossEntropyStats';
    const targets = own(gx, args.targets, k, 'targets');
    const [runningMax, runningSum] = [
      own(gx, args.runningMax, k, 'runningMax'),
      own(gx, args.runningSum, k, 'runningSum'),
    ];
    const [targetLogit, bestIndex] = [
      own(gx, args.targetLogit, k, 'targetLogit'),
      own(gx, args.bestIndex, k, 'bestIndex'),
    ];
    const [lse, stats] = [own(gx, args.lse, k, 'lse'), own(gx, args.stats, k, 'stats')];
    if (rows === 0) return;
    const state: [string, LaunchArg][] = [
      ['runningMax', runningMax],
      ['maxOff', runningMax.offset],
      ['runningSum', runningSum],
      ['sumOff', runningSum.offset],
    ];
    const constants = { rows };
    const lses = gx.ex.compute(rows, cells('crossEntropyStats.lse', lseCell, rows, state));
    const totals = gx.ex.compute(
      3,
      cells(
        `crossEntropyStats.totals:${rows}`,
        totalsCell,
        3,
        [
          ...input('targets', targets),
          ...state,
          ['targetLogit', targetLogit],
          ['targetOff', targetLogit.offset],
          ['bestIndex', bestIndex],
          ['indexOff', bestIndex.offset],
          ...input('stats', stats),
        ],
        { constants },
      ),
    );
    gx.ex.commit(lse, lses);
    gx.ex.commit(stats, totals);
  },
} satisfies DeviceKernels;

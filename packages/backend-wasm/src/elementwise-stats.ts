// The wasm backend's loss and gradient statistics and the absmax restore: argmaxChunk, crossEntropyStats,
// sumSquares, countNonFinite, gradClip and dequantizeAbsmax. Each checks its arguments as the reference does
// (@lora/core's KernelArgumentError, same messages), then runs its job (assembly/elementwise/loss-stats.ts,
// grad-stats.ts, dequantize-absmax.ts); gradClip is one square root on one value and runs on this side.
import {
  type ArgmaxChunkArgs,
  type CountNonFiniteArgs,
  type CrossEntropyStatsArgs,
  checkArgmaxChunkArgs,
  checkCrossEntropyStatsArgs,
  checkDequantizeAbsmaxArgs,
  checkGradClipArgs,
  checkReductionArgs,
  type DequantizeAbsmaxArgs,
  type GradClipArgs,
  type HostArgs,
  type SumSquaresArgs,
} from '@lora/core';
import { STREAM_COST } from './elementwise-arith.js';
import { checkF32, checkI32, checkU8 } from './elementwise-checks.js';
import { f32, i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

export function argmaxChunk(run: ElementwiseRunner, args: HostArgs<ArgmaxChunkArgs>): void {
  checkArgmaxChunkArgs(args);
  const { logits, rows, cols, vocabStart, bestValue, bestIndex } = args;
  checkF32('argmaxChunk', 'logits (T, cols)', logits, rows * cols);
  checkF32('argmaxChunk', 'bestValue (T)', bestValue, rows);
  checkI32('argmaxChunk', 'bestIndex (T)', bestIndex, rows);
  if (rows * cols === 0) return;
  run.run(
    'EW_ARGMAX_CHUNK',
    {
      logits: [logits, rows * cols, 'in'],
      bestValue: [bestValue, rows, 'inout'],
      bestIndex: [bestIndex, rows, 'inout'],
    },
    (p) => [p.logits, rows, cols, vocabStart, p.bestValue, p.bestIndex].map(i32),
    { units: rows, work: rows * cols * STREAM_COST * 2 },
  );
}

export function crossEntropyStats(run: ElementwiseRunner, args: HostArgs<CrossEntropyStatsArgs>): void {
  checkCrossEntropyStatsArgs(args);
  const { rows, targets, runningMax, runningSum, targetLogit, bestIndex, lse, stats } = args;
  const kernel = 'crossEntropyStats';
  for (const [key, array] of Object.entries({ runningMax, runningSum, targetLogit, lse }))
    checkF32(kernel, `${key} (T)`, array, rows);
  checkI32(kernel, 'targets (T)', targets, rows);
  checkI32(kernel, 'bestIndex (T)', bestIndex, rows);
  checkF32(kernel, 'stats (3)', stats, 3);
  if (rows === 0) return;
  run.run(
    'EW_CROSS_ENTROPY_STATS',
    {
      targets: [targets, rows, 'in'],
      runningMax: [runningMax, rows, 'in'],
      runningSum: [runningSum, rows, 'in'],
      targetLogit: [targetLogit, rows, 'in'],
      bestIndex: [bestIndex, rows, 'in'],
      lse: [lse, rows, 'out'],
      stats: [stats, 3, 'inout'],
    },
    (p) => [rows, p.targets, p.runningMax, p.runningSum, p.targetLogit, p.bestIndex, p.lse, p.stats].map(i32),
    { units: 1, work: rows }, // one thread: a few thousand rows, summed in order
  );
}

export function sumSquares(run: ElementwiseRunner, args: HostArgs<SumSquaresArgs>): void {
  gradStat(run, 'sumSquares', 'EW_SUM_SQUARES', args);
}

export function countNonFinite(run: ElementwiseRunner, args: HostArgs<CountNonFiniteArgs>): void {
  gradStat(run, 'countNonFinite', 'EW_COUNT_NON_FINITE', args);
}

/** out[0] += the sum of the job's per-chunk float64 partials, added in chunk order (see grad-stats.ts). */
function gradStat(
  run: ElementwiseRunner,
  kernel: string,
  kind: 'EW_SUM_SQUARES' | 'EW_COUNT_NON_FINITE',
  args: HostArgs<SumSquaresArgs>,
): void {
  checkReductionArgs(kernel, args);
  const { x, n, out } = args;
  checkF32(kernel, 'x (n)', x, n);
  checkF32(kernel, 'out (1)', out, 1);
  if (n === 0) return;
  const chunks = Math.ceil(n / run.constant('STAT_CHUNK'));
  const partials = new Float64Array(chunks);
  run.run(
    kind,
    { x: [x, n, 'in'], partials: [partials, chunks, 'out'] },
    (p) => [p.x, n, p.partials].map(i32),
    {
      units: chunks,
      work: n * STREAM_COST,
    },
  );
  let total = 0;
  for (let c = 0; c < chunks; c++) total += partials[c]!;
  out[0] = out[0]! + total;
}

/** factor = min(1, maxNorm / (√sumSquares + 1e-6)), 1 without clipping, NaN when the norm is not finite. */
export function gradClip(_run: ElementwiseRunner, args: HostArgs<GradClipArgs>): void {
  checkGradClipArgs(args);
  const { sumSquares, maxNorm, factor } = args;
  checkF32('gradClip', 'sumSquares (1)', sumSquares, 1);
  checkF32('gradClip', 'factor (1)', factor, 1);
  const norm = Math.sqrt(sumSquares[0]!);
  if (!Number.isFinite(norm)) factor[0] = Number.NaN;
  else factor[0] = maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
}

export function dequantizeAbsmax(run: ElementwiseRunner, args: HostArgs<DequantizeAbsmaxArgs>): void {
  checkDequantizeAbsmaxArgs(args);
  const { qabsmax, nestedAbsmax, nestedCode, nestedBlocksize: blocksize, offset, out, n } = args;
  const kernel = 'dequantizeAbsmax';
  const blocks = Math.ceil(n / blocksize);
  checkU8(kernel, 'qabsmax (n)', qabsmax, n);
  checkF32(kernel, 'nestedAbsmax (⌈n / nestedBlocksize⌉)', nestedAbsmax, blocks);
  checkF32(kernel, 'nestedCode (256)', nestedCode, 256);
  checkF32(kernel, 'out (n)', out, n);
  if (n === 0) return;
  run.run(
    'EW_DEQUANTIZE_ABSMAX',
    {
      qabsmax: [qabsmax, n, 'in'],
      nestedAbsmax: [nestedAbsmax, blocks, 'in'],
      nestedCode: [nestedCode, 256, 'in'],
      out: [out, n, 'out'],
    },
    (p) => [
      i32(p.qabsmax),
      i32(p.nestedAbsmax),
      i32(p.nestedCode),
      i32(blocksize),
      f32(offset),
      i32(p.out),
      i32(n),
    ],
    { units: Math.ceil(n / 4), work: n },
  );
}

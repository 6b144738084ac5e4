// The wasm backend's loss and gradient statistics and the absmax restore: argmaxChunk, crossEntropyStats,
// sumSquares, countNonFinite, gradClip and dequantizeAbsmax. Behind the boundary checks of elementwise-register.ts
// (@lora/core's), each runs its job (assembly/elementwise/loss-stats.ts,
// grad-stats.ts, dequantize-absmax.ts); gradClip is one square root on one value and runs on this side.
import type {
  ArgmaxChunkArgs,
  CountNonFiniteArgs,
  CrossEntropyStatsArgs,
  DequantizeAbsmaxArgs,
  GradClipArgs,
  HostArgs,
  SumSquaresArgs,
} from '@lora/core';
import { STREAM_COST } from './elementwise-arith.js';
import { f32, i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

export function argmaxChunk(run: ElementwiseRunner, args: HostArgs<ArgmaxChunkArgs>): void {
  const { logits, rows, cols, vocabStart, bestValue, bestIndex } = args;
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
  const { rows, targets, runningMax, runningSum, targetLogit, bestIndex, lse, stats } = args;
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
  gradStat(run, 'EW_SUM_SQUARES', args);
}

export function countNonFinite(run: ElementwiseRunner, args: HostArgs<CountNonFiniteArgs>): void {
  gradStat(run, 'EW_COUNT_NON_FINITE', args);
}

/** out[0] += the sum of the job's per-chunk float64 partials, added in chunk order (see grad-stats.ts). */
function gradStat(
  run: ElementwiseRunner,
  kind: 'EW_SUM_SQUARES' | 'EW_COUNT_NON_FINITE',
  args: HostArgs<SumSquaresArgs>,
): void {
  const { x, n, out } = args;
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
  const { sumSquares, maxNorm, factor } = args;
  const norm = Math.sqrt(sumSquares[0]!);
  if (!Number.isFinite(norm)) factor[0] = Number.NaN;
  else factor[0] = maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
}

export function dequantizeAbsmax(run: ElementwiseRunner, args: HostArgs<DequantizeAbsmaxArgs>): void {
  const { qabsmax, nestedAbsmax, nestedCode, nestedBlocksize: blocksize, offset, out, n } = args;
  const blocks = Math.ceil(n / blocksize);
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

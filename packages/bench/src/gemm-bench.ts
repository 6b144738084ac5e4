// Runs every GEMM case on every runner, checks each runner's output against the reference, and times it.
import { flopsOf, type GemmCase } from './gemm-cases.js';
import { type Measurement, type MeasureOptions, measure } from './measure.js';
import type { GemmRunner } from './runners.js';

export interface GemmResult extends Measurement {
  case: string;
  runner: string;
  gflops: number;
  /** flops per busy second of each thread (process CPU time / threads): what the runner does when not descheduled */
  gflopsCpu: number;
  /** max |out − reference| / max |reference|, or null when the reference was not run on this case */
  maxRelErr: number | null;
}

export interface GemmBenchOptions {
  fast: MeasureOptions;
  slow: MeasureOptions;
  /** skip the slow runners on cases above this many flops */
  slowMaxFlops: number;
  /** skip a slow runner on a case its rate so far predicts would take longer than this (one run) */
  slowMaxMs: number;
  onResult?: (result: GemmResult) => void;
}

export async function runGemmBench(
  cases: readonly GemmCase[],
  runners: readonly GemmRunner[],
  options: GemmBenchOptions,
): Promise<GemmResult[]> {
  const results: GemmResult[] = [];
  const rates = new Map<GemmRunner, number>(); // flops per ms of each runner's last case
  for (const c of cases) {
    const { a, b } = operands(c);
    const flops = flopsOf(c);
    let reference: Float32Array | undefined;
    for (const runner of runners) {
      const rate = rates.get(runner);
      if (
        runner.slow &&
        (flops > options.slowMaxFlops || (rate !== undefined && flops / rate > options.slowMaxMs))
      )
        continue;
      const plain = { a, b, out: new Float32Array(c.batch * c.m * c.n) };
      const staged = runner.stage?.(plain) ?? plain;
      const args = {
        ...staged,
        m: c.m,
        n: c.n,
        k: c.k,
        transA: c.layout === 'TN',
        transB: c.layout === 'NT',
      };
      const run =
        c.batch > 1 ? () => runner.batchedMatmul({ ...args, batch: c.batch }) : () => runner.matmul(args);
      const timing = await measure(run, runner.slow ? options.slow : options.fast);
      rates.set(runner, flops / timing.medianMs);
      const out = runner.result ? await runner.result(staged) : Float32Array.from(staged.out);
      runner.unstage?.(staged);
      if (runner.backend === 'reference') reference = out;
      const result: GemmResult = {
        case: c.name,
        runner: runner.label,
        ...timing,
        gflops: flops / timing.medianMs / 1e6,
        gflopsCpu: flops / (timing.medianCpuMs / runner.threads) / 1e6,
        maxRelErr: reference ? relativeError(out, reference) : null,
      };
      results.push(result);
      options.onResult?.(result);
    }
  }
  return results;
}

function operands(c: GemmCase): { a: Float32Array; b: Float32Array } {
  const a = new Float32Array(c.batch * c.m * c.k);
  const b = new Float32Array(c.batch * c.k * c.n);
  fillUniform(a, c.m * 131 + c.k);
  fillUniform(b, c.k * 17 + c.n);
  return { a, b };
}

/** Seeded uniform [-1, 1) data (mulberry32); the bench avoids @lora/testing, which imports vitest. */
function fillUniform(array: Float32Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < array.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    array[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
}

export function relativeError(actual: Float32Array, expected: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

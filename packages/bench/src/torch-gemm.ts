// The PyTorch baseline of the GEMM table: python/gemm_bench.py times the same cases in the same layouts on
// Debian's torch (OpenBLAS), one process per thread count, in the same run as the wasm runners.
import { fileURLToPath } from 'node:url';
import { BenchOutputError, isRecord, lastJsonLine, numberAt, runChild } from './child-json.js';
import type { GemmCase } from './gemm-cases.js';
import type { Measurement, MeasureOptions } from './measure.js';

export const TORCH_GEMM_SCRIPT = fileURLToPath(new URL('../python/gemm_bench.py', import.meta.url));

export interface BaselineCaseResult extends Measurement {
  case: string;
  gflops: number;
  /** flops ÷ (median process CPU time ÷ threads) */
  gflopsCpu: number;
}

export interface TorchGemmRun {
  threads: number;
  python: string;
  torch: string;
  /** torch's BLAS_INFO: Debian's build says "generic" (libblas.so.3, which is OpenBLAS) */
  blas: string;
  results: BaselineCaseResult[];
}

export type TorchGemmOutcome = TorchGemmRun | { threads: number; skipped: string };

export function isTorchRun(outcome: TorchGemmOutcome): outcome is TorchGemmRun {
  return !('skipped' in outcome);
}

export interface TorchGemmOptions {
  measure: MeasureOptions;
  /** default LORA_BENCH_PYTHON, else /usr/bin/python3 (Debian's torch) */
  python?: string;
  timeoutMs?: number;
}

/** The script's command line for `cases` on `threads` threads. */
export function torchGemmArgs(
  cases: readonly GemmCase[],
  threads: number,
  measure: MeasureOptions,
): string[] {
  const shapes = cases.map(({ name, layout, batch, m, k, n }) => ({ name, layout, batch, m, k, n }));
  return [
    TORCH_GEMM_SCRIPT,
    '--threads',
    String(threads),
    '--cases',
    JSON.stringify(shapes),
    '--budget',
    String(measure.budgetMs / 1000),
    '--min-reps',
    String(measure.minReps),
    '--max-reps',
    String(measure.maxReps),
  ];
}

/** Parse the script's JSON line: exactly one result per case, in order, with the output shape the case implies. */
export function parseTorchGemmOutput(
  stdout: string,
  cases: readonly GemmCase[],
  threads: number,
): Omit<TorchGemmRun, 'python'> {
  const label = `PyTorch ×${threads}`;
  const json = lastJsonLine(label, stdout);
  const list = isRecord(json) ? json.results : undefined;
  if (!isRecord(json) || !Array.isArray(list))
    throw new BenchOutputError(
      `${label}: expected {torch, threads, results: [...]}, got ${stdout.slice(0, 200)}`,
    );
  const ran = numberAt(label, json, 'threads');
  if (ran !== threads) throw new BenchOutputError(`${label}: "threads" expected ${threads}, got ${ran}`);
  if (list.length !== cases.length)
    throw new BenchOutputError(`${label}: expected ${cases.length} results, got ${list.length}`);
  const results = cases.map((c, i): BaselineCaseResult => {
    const r: unknown = list[i];
    const at = `${label} results[${i}]`;
    if (!isRecord(r) || r.case !== c.name)
      throw new BenchOutputError(
        `${at}: "case" expected ${JSON.stringify(c.name)}, got ${JSON.stringify(isRecord(r) ? r.case : r)}`,
      );
    const shape = JSON.stringify(c.batch > 1 ? [c.batch, c.m, c.n] : [c.m, c.n]);
    if (JSON.stringify(r.outShape) !== shape)
      throw new BenchOutputError(`${at}: "outShape" expected ${shape}, got ${JSON.stringify(r.outShape)}`);
    const [medianMs, minMs, medianCpuMs, reps, gflops, gflopsCpu] = [
      'medianMs',
      'minMs',
      'medianCpuMs',
      'reps',
      'gflops',
      'gflopsCpu',
    ].map((key) => numberAt(at, r, key)) as [number, number, number, number, number, number];
    const warmupOnly = r.warmupOnly === true;
    return { case: c.name, medianMs, minMs, medianCpuMs, reps, warmupOnly, gflops, gflopsCpu };
  });
  return { threads, torch: String(json.torch), blas: String(json.blas ?? 'unknown'), results };
}

/** Time every case on PyTorch with `threads` threads; a missing python or torch, or bad output, is a skip reason. */
export function runTorchGemm(
  cases: readonly GemmCase[],
  threads: number,
  options: TorchGemmOptions,
): TorchGemmOutcome {
  const python = options.python ?? process.env.LORA_BENCH_PYTHON ?? '/usr/bin/python3';
  const ran = runChild(
    `PyTorch ×${threads} (${python})`,
    python,
    torchGemmArgs(cases, threads, options.measure),
    {
      timeoutMs: options.timeoutMs ?? 10 * 60_000,
    },
  );
  if ('error' in ran) return { threads, skipped: ran.error };
  try {
    return { python, ...parseTorchGemmOutput(ran.stdout, cases, threads) };
  } catch (error) {
    return { threads, skipped: error instanceof Error ? error.message : String(error) };
  }
}

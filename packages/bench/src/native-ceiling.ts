// The native 128-bit SIMD ceiling: native/ceiling.c (the bare 4×8 micro-kernel over L1-resident panels, SSE
// mul+add and FMA on xmm registers) compiled with `cc` into a temp dir at bench time and run once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchOutputError, isRecord, lastJsonLine, numberAt, runChild } from './child-json.js';

export const NATIVE_SOURCE = fileURLToPath(new URL('../native/ceiling.c', import.meta.url));
/** AVX encodings of 128-bit ops; -ffp-contract=off keeps the mul+add kernel from being fused into FMA */
export const NATIVE_FLAGS: readonly string[] = ['-O2', '-mavx2', '-mfma', '-ffp-contract=off', '-pthread'];

/** mul+add: baseline wasm SIMD's f32x4.mul + f32x4.add; fma: relaxed SIMD's f32x4.relaxed_madd */
export type InstructionMix = 'muladd' | 'fma';

export interface NativeCeilingResult {
  variant: InstructionMix;
  threads: number;
  /** GFLOP/s of the median run's wall time, all threads together */
  gflops: number;
  /** GFLOP/s of the fastest run */
  bestGflops: number;
  /** flops ÷ (median process CPU time ÷ threads) */
  gflopsCpu: number;
  medianMs: number;
  reps: number;
}

export interface NativeCeilingRun {
  compiler: string;
  flags: readonly string[];
  /** false where the CPU lacks FMA: the fma rows are absent */
  fmaSupported: boolean;
  results: NativeCeilingResult[];
}

export type NativeCeilingOutcome = NativeCeilingRun | { skipped: string };

export function isNativeRun(outcome: NativeCeilingOutcome): outcome is NativeCeilingRun {
  return !('skipped' in outcome);
}

export interface NativeCeilingOptions {
  threads: readonly number[];
  /** timed runs per (mix, threads) stop once this much time is spent (at least 3) */
  budgetMs: number;
  /** default LORA_BENCH_CC, else cc */
  cc?: string;
  /** default process.arch: the source uses x86 intrinsics */
  arch?: string;
}

/** Parse the program's JSON line: one result per mix and thread count asked for (the fma ones only if supported). */
export function parseNativeOutput(
  stdout: string,
  threads: readonly number[],
): Omit<NativeCeilingRun, 'compiler' | 'flags'> {
  const label = 'native ceiling';
  const json = lastJsonLine(label, stdout);
  if (!isRecord(json) || !Array.isArray(json.results) || typeof json.fmaSupported !== 'boolean')
    throw new BenchOutputError(
      `${label}: expected {fmaSupported, results: [...]}, got ${stdout.slice(0, 200)}`,
    );
  const results = json.results.map((r, i): NativeCeilingResult => {
    const at = `${label} results[${i}]`;
    if (!isRecord(r) || (r.variant !== 'muladd' && r.variant !== 'fma'))
      throw new BenchOutputError(`${at}: "variant" expected "muladd" or "fma", got ${JSON.stringify(r)}`);
    const [t, gflops, bestGflops, gflopsCpu, medianMs, reps] = [
      'threads',
      'gflops',
      'bestGflops',
      'gflopsCpu',
      'medianMs',
      'reps',
    ].map((key) => numberAt(at, r, key)) as [number, number, number, number, number, number];
    return { variant: r.variant, threads: t, gflops, bestGflops, gflopsCpu, medianMs, reps };
  });
  const mixes: InstructionMix[] = json.fmaSupported ? ['muladd', 'fma'] : ['muladd'];
  for (const variant of mixes)
    for (const t of threads)
      if (!results.some((r) => r.variant === variant && r.threads === t))
        throw new BenchOutputError(`${label}: expected a ${variant} result on ${t} threads, got none`);
  return { fmaSupported: json.fmaSupported, results };
}

/** Compile and run the ceiling program; every failure (no cc, not x86-64, compile error, bad output) is a skip reason. */
export function runNativeCeiling(options: NativeCeilingOptions): NativeCeilingOutcome {
  const cc = options.cc ?? process.env.LORA_BENCH_CC ?? 'cc';
  const arch = options.arch ?? process.arch;
  if (arch !== 'x64')
    return {
      skipped: `native ceiling: expected an x86-64 CPU (the source uses SSE/FMA intrinsics), got ${arch}`,
    };
  const dir = mkdtempSync(join(tmpdir(), 'lora-bench-ceiling-'));
  try {
    const binary = join(dir, 'ceiling');
    const compiled = runChild(`native ceiling: ${cc}`, cc, [...NATIVE_FLAGS, NATIVE_SOURCE, '-o', binary], {
      timeoutMs: 60_000,
    });
    if ('error' in compiled) return { skipped: compiled.error };
    const args = [String(options.budgetMs), ...options.threads.map(String)];
    const ran = runChild('native ceiling', binary, args, { timeoutMs: 5 * 60_000 });
    if ('error' in ran) return { skipped: ran.error };
    return { compiler: cc, flags: NATIVE_FLAGS, ...parseNativeOutput(ran.stdout, options.threads) };
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ceiling of `variant` on `threads`, median GFLOP/s, or undefined where it was not measured. */
export function nativeCeiling(
  outcome: NativeCeilingOutcome,
  variant: InstructionMix,
  threads: number,
): NativeCeilingResult | undefined {
  if (!isNativeRun(outcome)) return undefined;
  return outcome.results.find((r) => r.variant === variant && r.threads === threads);
}

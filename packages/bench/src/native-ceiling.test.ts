import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  NATIVE_FLAGS,
  NATIVE_SOURCE,
  nativeCeiling,
  parseNativeOutput,
  runNativeCeiling,
} from './native-ceiling.js';

const CC = process.env.LORA_BENCH_CC ?? 'cc';
const hasCc = process.arch === 'x64' && spawnSync(CC, ['--version'], { stdio: 'ignore' }).status === 0;

const row = (variant: string, threads: number, gflops = 20) => ({
  variant,
  threads,
  gflops,
  bestGflops: gflops + 1,
  gflopsCpu: gflops,
  medianMs: 40,
  reps: 3,
  checksum: 1,
});
const line = (fmaSupported: boolean, results: unknown[]) =>
  `${JSON.stringify({ mr: 4, nr: 8, kc: 256, fmaSupported, results })}\n`;

describe('parseNativeOutput', () => {
  test('reads one result per instruction mix and thread count', () => {
    const parsed = parseNativeOutput(
      line(true, [row('muladd', 1, 20), row('muladd', 2, 39), row('fma', 1, 27), row('fma', 2, 52)]),
      [1, 2],
    );
    expect(parsed.results.map((r) => [r.variant, r.threads, r.gflops, r.bestGflops])).toEqual([
      ['muladd', 1, 20, 21],
      ['muladd', 2, 39, 40],
      ['fma', 1, 27, 28],
      ['fma', 2, 52, 53],
    ]);
    const run = { compiler: 'cc', flags: NATIVE_FLAGS, ...parsed };
    expect(nativeCeiling(run, 'fma', 2)?.gflops).toBe(52);
    expect(nativeCeiling(run, 'fma', 4)).toBeUndefined();
    expect(nativeCeiling({ skipped: 'no cc' }, 'muladd', 1)).toBeUndefined();
  });

  test('a CPU without FMA reports mul+add only', () => {
    expect(parseNativeOutput(line(false, [row('muladd', 1)]), [1]).fmaSupported).toBe(false);
  });

  test.each([
    ['no JSON', 'Illegal instruction\n', /expected a JSON line on stdout/],
    ['no results', '{"fmaSupported": true}\n', /expected \{fmaSupported, results/],
    [
      'a missing thread count',
      line(false, [row('muladd', 1)]),
      /expected a muladd result on 2 threads, got none/,
    ],
    [
      'FMA promised, absent',
      line(true, [row('muladd', 1), row('muladd', 2)]),
      /expected a fma result on 1 threads/,
    ],
    ['an unknown mix', line(false, [row('avx512', 1)]), /results\[0\]: "variant" expected "muladd" or "fma"/],
  ])('%s is a BenchOutputError', (_, stdout, message) => {
    expect(() => parseNativeOutput(stdout, [1, 2])).toThrow(message);
  });
});

describe('runNativeCeiling skips, with the reason, instead of failing the bench', () => {
  test('no compiler', () => {
    expect(runNativeCeiling({ threads: [1], budgetMs: 1, cc: '/nonexistent/cc', arch: 'x64' })).toEqual({
      skipped: 'native ceiling: /nonexistent/cc: /nonexistent/cc not found',
    });
  });

  test('a compiler that fails says how it exited', () => {
    const outcome = runNativeCeiling({ threads: [1], budgetMs: 1, cc: 'false', arch: 'x64' });
    expect(outcome).toEqual({ skipped: 'native ceiling: false: exited with 1' });
  });

  test('a CPU that is not x86-64', () => {
    expect(runNativeCeiling({ threads: [1], budgetMs: 1, arch: 'arm64' })).toEqual({
      skipped: 'native ceiling: expected an x86-64 CPU (the source uses SSE/FMA intrinsics), got arm64',
    });
  });
});

describe.skipIf(!hasCc)('native/ceiling.c with the real cc', () => {
  let assembly: string[] | undefined;
  /** the instructions of one kernel function in the assembly cc emits with the bench's flags */
  function kernelInstructions(name: string): string[] {
    if (!assembly) {
      const asm = spawnSync(CC, [...NATIVE_FLAGS, '-S', '-o', '-', NATIVE_SOURCE], { encoding: 'utf8' });
      expect(asm.status).toBe(0);
      assembly = asm.stdout.split('\n');
    }
    const lines = assembly;
    const start = lines.findIndex((l) => new RegExp(`^${name}[.:]`).test(l));
    const end = lines.findIndex((l, i) => i > start && /^\s*\.size\s/.test(l));
    expect(start).toBeGreaterThanOrEqual(0);
    return lines.slice(start, end).map((l) => l.trim().split(/\s+/)[0]!);
  }

  test('the mul+add kernel stays unfused and the FMA kernel fuses, 8 xmm accumulators each', () => {
    const muladd = kernelInstructions('kernel_muladd');
    expect(muladd.filter((op) => op.startsWith('vfmadd'))).toEqual([]);
    expect(muladd.filter((op) => op === 'vmulps')).toHaveLength(8);
    const fma = kernelInstructions('kernel_fma');
    expect(fma.filter((op) => op === 'vfmadd231ps')).toHaveLength(8);
    expect(fma.filter((op) => op === 'vmulps')).toEqual([]);
  });

  test('compiles into a temp dir, runs both mixes on 1 and 2 threads, and reports positive rates', () => {
    const outcome = runNativeCeiling({ threads: [1, 2], budgetMs: 1 });
    if ('skipped' in outcome) throw new Error(outcome.skipped);
    const mixes = outcome.fmaSupported ? ['muladd', 'fma'] : ['muladd'];
    expect(outcome.results.map((r) => `${r.variant} ×${r.threads}`)).toEqual(
      mixes.flatMap((m) => [`${m} ×1`, `${m} ×2`]),
    );
    for (const r of outcome.results) {
      expect(r.reps).toBeGreaterThanOrEqual(3);
      expect(r.bestGflops).toBeGreaterThanOrEqual(r.gflops);
    }
  });
});

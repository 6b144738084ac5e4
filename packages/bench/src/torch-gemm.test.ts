import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import type { GemmCase } from './gemm-cases.js';
import { parseTorchGemmOutput, runTorchGemm, TORCH_GEMM_SCRIPT, torchGemmArgs } from './torch-gemm.js';

const PYTHON = process.env.LORA_BENCH_PYTHON ?? '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

const cases: GemmCase[] = [
  { name: 'tiny TN', group: 'projection', layout: 'TN', batch: 1, m: 6, k: 5, n: 3 },
  { name: 'tiny batched NT', group: 'attention', layout: 'NT', batch: 2, m: 4, k: 3, n: 7 },
];
const quick = { budgetMs: 1, minReps: 1, maxReps: 1 };

const result = (name: string, outShape: number[], extra: Record<string, unknown> = {}) => ({
  case: name,
  medianMs: 2,
  minMs: 1.5,
  medianCpuMs: 2,
  reps: 5,
  warmupOnly: false,
  gflops: 10,
  gflopsCpu: 10,
  outShape,
  ...extra,
});
const output = (threads: number, results: unknown[]) =>
  `some warning\n${JSON.stringify({ torch: '1.13.0', blas: 'generic', threads, results })}\n`;

describe('torchGemmArgs', () => {
  test('passes the shapes, threads and measure options the script reads', () => {
    const args = torchGemmArgs(cases, 2, { budgetMs: 600, minReps: 3, maxReps: 25 });
    expect(args[0]).toBe(TORCH_GEMM_SCRIPT);
    expect(args.slice(1, 3)).toEqual(['--threads', '2']);
    expect(JSON.parse(args[4]!)).toEqual([
      { name: 'tiny TN', layout: 'TN', batch: 1, m: 6, k: 5, n: 3 },
      { name: 'tiny batched NT', layout: 'NT', batch: 2, m: 4, k: 3, n: 7 },
    ]);
    expect(args.slice(5)).toEqual(['--budget', '0.6', '--min-reps', '3', '--max-reps', '25']);
  });
});

describe('parseTorchGemmOutput', () => {
  test('reads one result per case from the last stdout line', () => {
    const run = parseTorchGemmOutput(
      output(2, [result('tiny TN', [6, 3]), result('tiny batched NT', [2, 4, 7])]),
      cases,
      2,
    );
    expect(run).toMatchObject({ threads: 2, torch: '1.13.0', blas: 'generic' });
    expect(run.results.map((r) => [r.case, r.gflops, r.reps, r.warmupOnly])).toEqual([
      ['tiny TN', 10, 5, false],
      ['tiny batched NT', 10, 5, false],
    ]);
  });

  test.each([
    ['no JSON', 'Traceback (most recent call last)\n', /expected a JSON line on stdout, got "Traceback/],
    ['other threads', output(1, []), /"threads" expected 2, got 1/],
    ['a case missing', output(2, [result('tiny TN', [6, 3])]), /expected 2 results, got 1/],
    [
      'cases out of order',
      output(2, [result('tiny batched NT', [2, 4, 7]), result('tiny TN', [6, 3])]),
      /results\[0\]: "case" expected "tiny TN", got "tiny batched NT"/,
    ],
    [
      'the wrong product shape',
      output(2, [result('tiny TN', [3, 6]), result('tiny batched NT', [2, 4, 7])]),
      /results\[0\]: "outShape" expected \[6,3\], got \[3,6\]/,
    ],
    [
      'a non-number',
      output(2, [result('tiny TN', [6, 3], { gflops: 'fast' }), result('tiny batched NT', [2, 4, 7])]),
      /results\[0\]: "gflops" expected a finite number, got "fast"/,
    ],
  ])('%s is a BenchOutputError', (_, stdout, message) => {
    expect(() => parseTorchGemmOutput(stdout, cases, 2)).toThrow(message);
  });
});

describe('runTorchGemm skips, with the reason, instead of failing the bench', () => {
  test('a python that does not exist', () => {
    expect(runTorchGemm(cases, 1, { measure: quick, python: '/nonexistent/python3' })).toEqual({
      threads: 1,
      skipped: 'PyTorch ×1 (/nonexistent/python3): /nonexistent/python3 not found',
    });
  });

  test('a python that fails (as one without torch does) says how it exited', () => {
    const outcome = runTorchGemm(cases, 2, { measure: quick, python: process.execPath });
    expect(outcome).toMatchObject({ threads: 2 });
    expect('skipped' in outcome && outcome.skipped).toMatch(/^PyTorch ×2 \(.*\): exited with 1: /);
  });
});

describe.skipIf(!hasTorch)('python/gemm_bench.py on the real torch', () => {
  test('times every case on 2 threads, each product in the shape its layout names', () => {
    const outcome = runTorchGemm(cases, 2, { measure: quick, python: PYTHON });
    if ('skipped' in outcome) throw new Error(outcome.skipped);
    expect(outcome.threads).toBe(2);
    expect(outcome.results.map((r) => [r.case, r.reps])).toEqual([
      ['tiny TN', 1],
      ['tiny batched NT', 1],
    ]);
    for (const r of outcome.results) expect(r.gflops).toBeGreaterThan(0);
  });
});

import { describe, expect, test } from 'vitest';
import type { GemmResult } from './gemm-bench.js';
import { GEMM_CASES } from './gemm-cases.js';
import { NATIVE_FLAGS, type NativeCeilingRun } from './native-ceiling.js';
import type { GemmRunner } from './runners.js';
import { bestWasmTable, targetChecks, targetPreamble, targetSummary } from './targets.js';
import type { TorchGemmOutcome } from './torch-gemm.js';

const pick = (name: string) => GEMM_CASES.find((c) => c.name.startsWith(name))!;
const cases = [
  pick('q/o proj 512×896×896 NN'),
  pick('up/gate proj 512×896×4864 NN'),
  pick('q/o proj 512×896×896 NT'),
  pick('LoRA x·Aᵀ'),
  pick('LoRA h·Bᵀ'), // informational: outside the checks
];

const runner = (label: string, backend: string, threads: number, simd?: 'baseline' | 'relaxed') =>
  ({ label, backend, threads, ...(simd && { simd }) }) as GemmRunner;
const runners = [
  runner('reference', 'reference', 1),
  runner('wasm ×1', 'wasm', 1, 'baseline'),
  runner('wasm relaxed ×1', 'wasm', 1, 'relaxed'),
  runner('wasm ×2', 'wasm', 2, 'baseline'),
  runner('wasm ×4', 'wasm', 4, 'baseline'), // no target
];

const result = (c: string, r: string, gflops: number, gflopsCpu = gflops) =>
  ({ case: pick(c).name, runner: r, gflops, gflopsCpu, maxRelErr: 0 }) as GemmResult;
const results = [
  result('q/o proj 512×896×896 NN', 'reference', 0.3),
  result('q/o proj 512×896×896 NN', 'wasm ×1', 15, 36),
  result('up/gate proj 512×896×4864 NN', 'wasm ×1', 12, 36),
  result('q/o proj 512×896×896 NT', 'wasm ×1', 10),
  result('LoRA x·Aᵀ', 'wasm ×1', 30),
  result('LoRA h·Bᵀ', 'wasm ×1', 1),
  result('q/o proj 512×896×896 NN', 'wasm relaxed ×1', 14),
  result('up/gate proj 512×896×4864 NN', 'wasm relaxed ×1', 21),
  result('q/o proj 512×896×896 NN', 'wasm ×2', 66),
  result('up/gate proj 512×896×4864 NN', 'wasm ×2', 70),
  result('q/o proj 512×896×896 NN', 'wasm ×4', 100),
];

const torchResult = (c: string, gflops: number) => ({
  case: pick(c).name,
  gflops,
  gflopsCpu: gflops,
  medianMs: 1,
  minMs: 1,
  medianCpuMs: 1,
  reps: 5,
  warmupOnly: false,
});
const torch: TorchGemmOutcome[] = [
  {
    threads: 1,
    python: 'python3',
    torch: '1.13',
    blas: 'generic',
    results: [
      torchResult('q/o proj 512×896×896 NN', 120),
      torchResult('up/gate proj 512×896×4864 NN', 100),
      torchResult('q/o proj 512×896×896 NT', 125),
      torchResult('LoRA x·Aᵀ', 60),
    ],
  },
  { threads: 2, skipped: 'PyTorch ×2: exited with 1' },
];
const ceiling = (variant: 'muladd' | 'fma', threads: number, gflops: number) => ({
  variant,
  threads,
  gflops,
  bestGflops: gflops,
  gflopsCpu: gflops,
  medianMs: 1,
  reps: 3,
});
const native: NativeCeilingRun = {
  compiler: 'cc',
  flags: NATIVE_FLAGS,
  fmaSupported: true,
  results: [ceiling('muladd', 1, 20), ceiling('muladd', 2, 40), ceiling('fma', 1, 28), ceiling('fma', 2, 56)],
};

describe('targetChecks', () => {
  const checks = targetChecks(cases, results, runners, { torch, native });

  test('one check per wasm runner with a target and group it ran; informational cases left out', () => {
    expect(checks.map((c) => `${c.runner} · ${c.group} · ${c.worstCase}`)).toEqual([
      'wasm ×1 · projection NN · up/gate proj 512×896×4864 NN',
      'wasm ×1 · projection NT/TN · q/o proj 512×896×896 NT',
      'wasm ×1 · LoRA · LoRA x·Aᵀ 512×896×16 NT',
      'wasm relaxed ×1 · projection NN · q/o proj 512×896×896 NN',
      'wasm ×2 · projection NN · q/o proj 512×896×896 NN',
    ]);
  });

  test('each group figure is its slowest case, divided by PyTorch on the same cases and the same-mix ceiling', () => {
    expect(
      checks.map((c) => [
        c.runner,
        c.group,
        c.floor,
        c.gflops,
        c.torch,
        c.vsTorch,
        c.mix,
        c.native,
        c.vsNative,
      ]),
    ).toEqual([
      ['wasm ×1', 'projection NN', 35, 12, 100, 12 / 100, 'muladd', 20, 12 / 20],
      ['wasm ×1', 'projection NT/TN', 28, 10, 125, 10 / 125, 'muladd', 20, 10 / 20],
      ['wasm ×1', 'LoRA', 28, 30, 60, 30 / 60, 'muladd', 20, 30 / 20],
      ['wasm relaxed ×1', 'projection NN', 35, 14, 100, 14 / 100, 'fma', 28, 14 / 28],
      ['wasm ×2', 'projection NN', 65, 66, null, null, 'muladd', 40, 66 / 40],
    ]);
  });

  test('verdicts: meets on wall time, meets by CPU time only, or below', () => {
    expect(checks.map((c) => c.verdict)).toEqual([
      'meets by CPU time only',
      'below',
      'meets',
      'below',
      'meets',
    ]);
  });

  test('without baselines every ratio is null', () => {
    for (const c of targetChecks(cases, results, runners))
      expect([c.torch, c.vsTorch, c.native]).toEqual([null, null, null]);
  });

  test('a CPU without FMA leaves the relaxed build without a native ratio', () => {
    const noFma = {
      ...native,
      fmaSupported: false,
      results: native.results.filter((r) => r.variant === 'muladd'),
    };
    const relaxed = targetChecks(cases, results, runners, { torch, native: noFma }).find(
      (c) => c.runner === 'wasm relaxed ×1',
    );
    expect([relaxed?.native, relaxed?.vsNative, relaxed?.vsTorch]).toEqual([null, null, 14 / 100]);
  });
});

describe('printing', () => {
  const checks = targetChecks(cases, results, runners, { torch, native });

  test('targetSummary keeps the per-runner checks and appends the ratios', () => {
    expect(targetSummary(checks)).toEqual([
      'wasm ×1 (target 35 GFLOP/s): ' +
        'projection NN min 12.0 (CPU-time 36.0) vs ≥ 35: meets by CPU time only [0.12× PyTorch ×1, 0.60× native mul+add ×1]; ' +
        'projection NT/TN min 10.0 (CPU-time 10.0) vs ≥ 28: below [0.08× PyTorch ×1, 0.50× native mul+add ×1]; ' +
        'LoRA min 30.0 (CPU-time 30.0) vs ≥ 28: meets [0.50× PyTorch ×1, 1.50× native mul+add ×1]',
      'wasm relaxed ×1 (target 35 GFLOP/s): ' +
        'projection NN min 14.0 (CPU-time 14.0) vs ≥ 35: below [0.14× PyTorch ×1, 0.50× native FMA ×1]',
      'wasm ×2 (target 65 GFLOP/s): projection NN min 66.0 (CPU-time 66.0) vs ≥ 65: meets [— PyTorch ×2, 1.65× native mul+add ×2]',
    ]);
  });

  test('bestWasmTable picks, per target and group, the wasm runner whose slowest case is fastest', () => {
    expect(bestWasmTable(checks).split('\n')).toEqual([
      'group, threads       target  best wasm           runner  verdict  PyTorch  wasm ÷ PyTorch  native ceiling  wasm ÷ native',
      '-------------------  ------  ---------  ---------------  -------  -------  --------------  --------------  -------------',
      'projection NN ×1       ≥ 35       14.0  wasm relaxed ×1    below    100.0           0.14×        FMA 28.0          0.50×',
      'projection NT/TN ×1    ≥ 28       10.0          wasm ×1    below    125.0           0.08×    mul+add 20.0          0.50×',
      'LoRA ×1                ≥ 28       30.0          wasm ×1    meets     60.0           0.50×    mul+add 20.0          1.50×',
      'projection NN ×2       ≥ 65       66.0          wasm ×2    meets        —               —    mul+add 40.0          1.65×',
    ]);
  });

  test('the preamble states the targets and the issue host PyTorch figure they imply', () => {
    const text = targetPreamble().join(' ');
    expect(text).toContain('≥ 35 GFLOP/s on 1 thread and ≥ 65 on 2');
    expect(text).toContain('PyTorch ×1 ran ~145 GFLOP/s: 1-thread target ≈ 0.24× PyTorch ×1');
  });
});

import { describe, expect, test } from 'vitest';
import type { GemmResult } from './gemm-bench.js';
import type { GemmCase } from './gemm-cases.js';
import { baselineLines, gemmTable } from './gemm-table.js';
import { NATIVE_FLAGS } from './native-ceiling.js';
import type { GemmRunner } from './runners.js';
import type { TorchGemmOutcome } from './torch-gemm.js';

const cases: GemmCase[] = [
  { name: 'a NN', group: 'projection', layout: 'NN', batch: 1, m: 1000, k: 500, n: 1000 },
  { name: 'b TN', group: 'lora', layout: 'TN', batch: 2, m: 10, k: 20, n: 30 },
];
const runners = [{ label: 'wasm ×1' }, { label: 'wasm relaxed ×1' }] as GemmRunner[];
const results = [
  { case: 'a NN', runner: 'wasm ×1', gflops: 12.34, gflopsCpu: 20, maxRelErr: 1e-7 },
  { case: 'b TN', runner: 'wasm ×1', gflops: 3, gflopsCpu: 3.05, maxRelErr: 0.5 },
  { case: 'a NN', runner: 'wasm relaxed ×1', gflops: 15, gflopsCpu: 15, maxRelErr: null },
] as GemmResult[];
const torchRun = (threads: number, gflops: number): TorchGemmOutcome => ({
  threads,
  python: '/usr/bin/python3',
  torch: '1.13.0a0',
  blas: 'generic',
  results: [
    {
      case: 'a NN',
      gflops,
      gflopsCpu: gflops * 2,
      medianMs: 1,
      minMs: 1,
      medianCpuMs: 1,
      reps: 5,
      warmupOnly: false,
    },
  ],
});

describe('gemmTable', () => {
  test('a column per runner and per PyTorch thread count; — where a case did not run or a baseline was skipped', () => {
    const torch = [torchRun(1, 120), { threads: 2, skipped: 'PyTorch ×2: /usr/bin/python3 not found' }];
    expect(gemmTable(cases, results, runners, torch).split('\n')).toEqual([
      'case  GFLOP             wasm ×1  wasm relaxed ×1     PyTorch ×1  PyTorch ×2',
      '----  -----  ------------------  ---------------  -------------  ----------',
      'a NN   1.00         12.3 (20.0)      15.0 (15.0)  120.0 (240.0)           —',
      'b TN   0.00  3.0 (3.0) MISMATCH                —              —           —',
    ]);
  });
});

describe('baselineLines', () => {
  test('says why each skipped baseline did not run', () => {
    expect(
      baselineLines([{ threads: 1, skipped: 'PyTorch ×1 (python3): exited with 1: No module named torch' }], {
        skipped: 'native ceiling: cc: cc not found',
      }),
    ).toEqual([
      '  PyTorch ×1   — skipped: PyTorch ×1 (python3): exited with 1: No module named torch',
      '  native       — skipped: native ceiling: cc: cc not found',
    ]);
  });

  test('names what ran and prints the ceiling figures per mix and threads', () => {
    const ceiling = (variant: 'muladd' | 'fma', threads: number, gflops: number) => ({
      variant,
      threads,
      gflops,
      bestGflops: gflops + 1,
      gflopsCpu: gflops,
      medianMs: 1,
      reps: 3,
    });
    const lines = baselineLines([torchRun(2, 200)], {
      compiler: 'cc',
      flags: NATIVE_FLAGS,
      fmaSupported: true,
      results: [
        ceiling('muladd', 1, 20),
        ceiling('muladd', 2, 39.5),
        ceiling('fma', 1, 27),
        ceiling('fma', 2, 53),
      ],
    });
    expect(lines).toEqual([
      '  PyTorch ×2   torch 1.13.0a0 (BLAS generic) via /usr/bin/python3, torch.set_num_threads(2)',
      '  native       4×8 SSE micro-kernel on L1-resident panels (cc -O2 -mavx2 -mfma -ffp-contract=off -pthread):',
      '               mul+add ×1 20.0 (best 21.0), ×2 39.5 (best 40.5); FMA ×1 27.0 (best 28.0), ×2 53.0 (best 54.0) GFLOP/s',
    ]);
  });
});

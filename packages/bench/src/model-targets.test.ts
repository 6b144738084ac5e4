import { readFileSync } from 'node:fs';
import type { MeasuredRun } from '@lora/sft';
import { describe, expect, test } from 'vitest';
import { QWEN25_05B_CONFIG } from './bench-models.js';
import { decodeCase } from './decode-cases.js';
import type { DecodeBenchRecord, DecodeShapeResult } from './decode-table.js';
import { SMALL_MODEL_OVERRIDES } from './lora-step.js';
import type { LoraStepBenchRecord, StepOutcome, StepRun } from './lora-step-bench.js';
import { summarizeStepCase } from './lora-step-bench.js';
import { machineInfo } from './machine.js';
import { type ModelTarget, modelTargets, modelTargetsLines, type TargetInputs } from './model-targets.js';
import { memoryRowWanted, type QloraMemoryResult } from './qlora-memory-bench.js';

const machine = { ...machineInfo(new Date(0), 0), loadAverage: [1.5, 2, 2.5], busyCores: 0.02 };
const run = (engine: string, threads: number, tokensPerSecond: number): StepRun => ({
  engine,
  threads,
  tokensPerSecond,
  stepMs: 1000,
  medianMs: null,
  cpuMs: 1000,
  peakRssMiB: 300,
});
const failed = (engine: string, threads: number): StepOutcome => ({
  engine,
  threads,
  error: `${engine} ×${threads}: exited with 1: Killed`,
});

const stepRecord = (small: [number, number, number], qwen: StepOutcome[]): LoraStepBenchRecord => ({
  machine,
  quick: true,
  torchThreads: [1, 2],
  cases: [],
  results: [
    summarizeStepCase({ name: 'qwen2.5-0.5b', label: '0.5B', tokens: 512 }, [run('@lora', 2, 40)], qwen),
    summarizeStepCase(
      { name: 'small', label: 'small', tokens: 256 },
      [run('@lora', 1, small[0]), run('@lora', 2, small[0] - 1)],
      [run('PyTorch', 1, small[1]), run('PyTorch', 2, small[2])],
    ),
  ],
});

const decodeShape = (shape: 'small' | 'qwen2.5-0.5b', nf4: number, dense: number): DecodeShapeResult => ({
  case: decodeCase(shape, true, 8, shape === 'small' ? SMALL_MODEL_OVERRIDES : QWEN25_05B_CONFIG),
  configSource: 'inlined',
  lora: {
    dense: {
      engine: '@lora/models on wasm (2 threads), f32',
      tokensPerSecond: dense,
      runs: [],
      buildSeconds: 1,
    },
    nf4: { engine: '@lora/models on wasm (2 threads), NF4', tokensPerSecond: nf4, runs: [], buildSeconds: 2 },
    peakRssMiB: 900,
  },
  torch: [
    { threads: 1, tokensPerSecond: 2, peakRssMiB: 800 },
    { threads: 2, tokensPerSecond: 1.5, peakRssMiB: 800 },
  ],
  torchBestThreads: 1,
});

/** the small model decodes 3× slower with NF4 here, so a row that read it instead of the 0.5B shape would show it */
const decodeRecord = (nf4: number, dense: number): DecodeBenchRecord => ({
  machine,
  shapes: [decodeShape('small', 100, 300), decodeShape('qwen2.5-0.5b', nf4, dense)],
});

const { runs } = JSON.parse(
  readFileSync(new URL('../../sft/fixtures/measured-peak-rss.json', import.meta.url), 'utf8'),
) as { runs: MeasuredRun[] };
const memoryResult = (peakRssBytes: number, planRatio: number): QloraMemoryResult => ({
  run: { ...runs.find((r) => r.name === 'qwen2.5-1.5b-t512-gc')!, peakRssBytes },
  plannedBytes: planRatio * peakRssBytes,
  planRatio,
  stepTokensPerSecond: 5,
  loadAverage: [3, 3, 3],
  busyCores: 1.4,
});

const inputs = (over: Partial<TargetInputs> = {}): TargetInputs => ({
  step: stepRecord([600, 1000, 160], [run('PyTorch', 1, 65), run('PyTorch', 2, 50)]),
  decode: decodeRecord(2.2, 2),
  memory: memoryResult(2.8e9, 1.05),
  quick: true,
  ...over,
});
const byId = (rows: ModelTarget[]) => Object.fromEntries(rows.map((r) => [r.id, r]));

describe('modelTargets', () => {
  test('the four targets in the issue order, each value computed from its table', () => {
    const rows = modelTargets(inputs());
    expect(rows.map((r) => r.id)).toEqual(['step-0.5b', 'step-small', 'nf4-decode', 'qlora-1.5b-memory']);
    const t = byId(rows);
    expect(t['step-0.5b']!.value).toBeCloseTo(40 / 65, 12);
    expect(t['step-small']!.value).toBeCloseTo(0.6, 12);
    expect(t['nf4-decode']!.value).toBeCloseTo(1.1, 12);
    expect(t['qlora-1.5b-memory']!.value).toBe(2.8e9);
  });

  test.each([
    // step-0.5b floor 0.75: 40 ÷ 53.3 = 0.750 meets, 40 ÷ 53.4 below
    [[run('PyTorch', 1, 40 / 0.75), run('PyTorch', 2, 10)], 'meets'],
    [[run('PyTorch', 1, 53.4), run('PyTorch', 2, 10)], 'below'],
  ] as const)('the 0.5B step against its floor: %#', (torch, verdict) => {
    const t = byId(modelTargets(inputs({ step: stepRecord([600, 1000, 160], [...torch]) })));
    expect(t['step-0.5b']!.verdict).toBe(verdict);
  });

  test('the small model at exactly 0.6× meets, just under is below; the baseline is PyTorch at its best thread count', () => {
    const meets = byId(modelTargets(inputs()))['step-small']!;
    expect([meets.verdict, meets.baseline]).toEqual(['meets', 'PyTorch, 1 thread (best of 1, 2)']);
    expect(meets.measured).toBe('0.60× (@lora 1 thread 600.0 ÷ 1000.0 tok/s)');
    const below = byId(modelTargets(inputs({ step: stepRecord([599, 1000, 160], []) })))['step-small']!;
    expect(below.verdict).toBe('below');
    const twoThreads = byId(modelTargets(inputs({ step: stepRecord([600, 100, 700], []) })))['step-small']!;
    expect(twoThreads.baseline).toBe('PyTorch, 2 threads (best of 1, 2)');
  });

  test('NF4 decoding no slower than dense: equal meets, slower is below; PyTorch best is named', () => {
    const equal = byId(modelTargets(inputs({ decode: decodeRecord(2, 2) })))['nf4-decode']!;
    expect([equal.verdict, equal.measured]).toEqual(['meets', '1.00× (2.00 ÷ 2.00 tok/s)']);
    expect(equal.baseline).toBe(
      '@lora/models on wasm (2 threads), f32, same process; NF4 ÷ PyTorch best (1 thread) 1.00×',
    );
    expect(byId(modelTargets(inputs({ decode: decodeRecord(1.9, 2) })))['nf4-decode']!.verdict).toBe('below');
    expect(equal.target).toBe('NF4 greedy decoding tokens/s ÷ dense, 0.5B shape (8 of 24 layers)');
    expect(equal.command).toBe(
      'tsx --conditions=@lora/source packages/bench/src/decode-bench.ts --decode-shapes qwen2.5-0.5b ' +
        '--decode-layers 8 --quick',
    );
  });

  test('a decode table without the 0.5B shape gives — and says so', () => {
    const decode = { machine, shapes: [decodeShape('small', 2, 2)] };
    const t = byId(modelTargets(inputs({ decode })))['nf4-decode']!;
    expect([t.value, t.verdict, t.reason]).toEqual([null, '—', 'decode table: shape qwen2.5-0.5b not run']);
  });

  test.each([
    [2.8e9, 1.05, 'meets'],
    [3e9, 0.86, 'meets'], // 3 GB exactly
    [3.01e9, 1, 'below'], // over 3 GB
    [2.8e9, 1.16, 'below'], // the planner 16% over
    [2.8e9, 0.84, 'below'], // the planner 16% under
  ])('1.5B QLoRA peak %d B with the plan at %d× of it: %s', (peak, ratio, verdict) => {
    const t = byId(modelTargets(inputs({ memory: memoryResult(peak, ratio) })))['qlora-1.5b-memory']!;
    expect(t.verdict).toBe(verdict);
    expect(t.command).toMatch(
      /^\/usr\/bin\/time -f %M node apps\/cli\/bin\/lora\.js train .*--gradient-checkpointing$/,
    );
    expect([t.loadAverage, t.busyCores]).toEqual([[3, 3, 3], 1.4]);
  });

  test('a table that did not run, or a failed baseline, gives — with the reason and no verdict', () => {
    const rows = modelTargets(
      inputs({
        step: stepRecord([600, 1000, 160], [failed('PyTorch', 1), failed('PyTorch', 2)]),
        decode: { skipped: 'decode table: --no-decode' },
        memory: { skipped: 'QLoRA 1.5B memory: off with --quick (add --memory-15b; it takes minutes)' },
      }),
    );
    const t = byId(rows);
    for (const id of ['step-0.5b', 'nf4-decode', 'qlora-1.5b-memory'])
      expect([t[id]!.measured, t[id]!.value, t[id]!.verdict]).toEqual(['—', null, '—']);
    expect(t['step-0.5b']!.reason).toBe(
      'no PyTorch run: PyTorch ×1: exited with 1: Killed; PyTorch ×2: exited with 1: Killed',
    );
    expect([t['step-0.5b']!.loadAverage, t['step-0.5b']!.busyCores]).toEqual([[1.5, 2, 2.5], 0.02]);
    expect(t['nf4-decode']!.reason).toBe('decode table: --no-decode');
    expect(t['step-small']!.verdict).toBe('meets'); // the other case still counts
    const lines = modelTargetsLines(rows);
    expect(lines).toContain('  nf4-decode: — because decode table: --no-decode');
    // the load average counts the bench's own earlier tables; only other processes' busy cores mark contention
    expect(lines).toContain(
      '  step-small: load 1.5 2 2.5, other processes 0.02 cores busy; ' +
        'tsx --conditions=@lora/source packages/bench/src/lora-step-bench.ts --case small --quick',
    );
    const busy = modelTargets(inputs({ memory: memoryResult(2.8e9, 1.05) }));
    expect(modelTargetsLines(busy).join('\n')).toContain(
      '  qlora-1.5b-memory: load 3 3 3, other processes 1.4 cores busy: contended timings; /usr/bin/time',
    );
  });

  test('a failed @lora run keeps the baseline and says why there is no ratio', () => {
    const record = stepRecord([600, 1000, 160], [run('PyTorch', 1, 65)]);
    record.results[0] = summarizeStepCase(
      { name: 'qwen2.5-0.5b', label: '0.5B', tokens: 512 },
      [failed('@lora', 2)],
      [run('PyTorch', 1, 65)],
    );
    const t = byId(modelTargets(inputs({ step: record })))['step-0.5b']!;
    expect([t.verdict, t.baseline, t.reason]).toEqual([
      '—',
      'PyTorch, 1 thread (best of 1)',
      'no @lora/models run: @lora ×2: exited with 1: Killed',
    ]);
  });
});

test('the summary table has one row per target with goal, measured, verdict and baseline', () => {
  const [table] = modelTargetsLines(modelTargets(inputs()));
  const lines = table!.split('\n');
  expect(lines[0]).toMatch(/^target +goal +measured +verdict +baseline$/);
  expect(lines).toHaveLength(2 + 4);
  expect(lines[5]).toMatch(
    /^QLoRA step peak RSS.* +≤ 3 GB; within 15% +2\.80 GB; plan 1\.05× +meets +planner 2\.94 GB/,
  );
});

test.each([
  [['--quick'], false],
  [['--quick', '--memory-15b'], true],
  [[], true],
  [['--no-memory-15b'], false],
])('memory row with %j: runs %s', (argv, runs) => {
  expect('run' in memoryRowWanted(argv)).toBe(runs);
});

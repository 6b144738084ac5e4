import { detectFeatures, WasmBackendError, WasmGemmEngine } from '@lora/backend-wasm';
import { describe, expect, test } from 'vitest';
import { relativeError, runGemmBench } from './gemm-bench.js';
import { flopsOf, GEMM_CASES, type GemmCase } from './gemm-cases.js';
import { createRunners } from './runners.js';
import { TRANSPOSED_FLOOR, targetChecks, targetSummary, WASM_TARGETS } from './targets.js';

describe('GEMM cases', () => {
  test("the issue's shapes are all there: 3 projections × NN/NT/TN, 5 LoRA, 3 attention", () => {
    expect(
      GEMM_CASES.filter((c) => c.group === 'projection').map((c) => `${c.m}×${c.k}×${c.n} ${c.layout}`),
    ).toEqual([
      '512×896×896 NN',
      '512×896×896 NT',
      '512×896×896 TN',
      '512×896×4864 NN',
      '512×896×4864 NT',
      '512×896×4864 TN',
      '512×4864×896 NN',
      '512×4864×896 NT',
      '512×4864×896 TN',
    ]);
    expect(GEMM_CASES.filter((c) => c.group === 'lora').map((c) => `${c.m}×${c.k}×${c.n}`)).toEqual([
      '512×896×16',
      '512×896×16',
      '16×512×896',
      '16×512×896',
      '512×16×896',
    ]);
    expect(flopsOf(GEMM_CASES.find((c) => c.group === 'attention')!)).toBe(2 * 14 * 512 * 64 * 512);
  });
});

describe('relativeError', () => {
  test.each([
    [[1, 2], [1, 2], 0],
    [[1, 2.5], [1, 2], 0.25],
    [[0.5, 0], [0, 0], 0.5],
  ])('%j vs %j → %d', (actual, expected, error) => {
    expect(relativeError(Float32Array.from(actual), Float32Array.from(expected))).toBe(error);
  });
});

describe('runGemmBench on small cases', () => {
  const tiny: GemmCase[] = [
    { name: 'tiny NT', group: 'projection', layout: 'NT', batch: 1, m: 33, k: 65, n: 17 },
    { name: 'tiny batched TN', group: 'attention', layout: 'TN', batch: 3, m: 9, k: 20, n: 12 },
  ];
  const quick = { budgetMs: 1, minReps: 1, maxReps: 2 };

  test('times every runner on every case, and each wasm output matches the reference', async () => {
    const { runners, skipped } = await createRunners({
      wasmThreads: [1, 2],
      entries: [],
      resident: true,
      relaxed: true,
    });
    // relaxed SIMD: Node 22+, or Node 20 with --experimental-wasm-relaxed-simd; elsewhere skipped with the reason
    const relaxed = skipped.length === 0 ? ['wasm relaxed ×1', 'wasm relaxed ×2'] : [];
    if (relaxed.length === 0) {
      expect(detectFeatures().relaxedSimd).toBe(false);
      expect(skipped).toEqual([
        expect.stringMatching(/^wasm relaxed ×1: .*simd "relaxed" expected relaxed SIMD support, got none/),
        expect.stringMatching(/^wasm relaxed ×2: .*simd "relaxed" expected relaxed SIMD support, got none/),
      ]);
    }
    expect(runners.map((r) => r.label)).toEqual([
      'reference',
      'wasm ×1',
      'wasm ×2',
      ...relaxed,
      ...(relaxed.length > 0
        ? ['wasm relaxed ×1 resident', 'wasm relaxed ×2 resident']
        : ['wasm ×1 resident', 'wasm ×2 resident']),
    ]);
    expect(runners.map((r) => r.simd ?? '-')).toEqual([
      '-',
      'baseline',
      'baseline',
      ...relaxed.map(() => 'relaxed'),
      ...(relaxed.length > 0 ? ['relaxed', 'relaxed'] : ['baseline', 'baseline']),
    ]);
    for (const r of runners.filter((x) => x.simd === 'relaxed')) expect(r.describe).toMatch(/relaxed FMA/);
    for (const r of runners.filter((x) => x.simd === 'baseline'))
      expect(r.describe).toMatch(/no relaxed SIMD/);
    const results = await runGemmBench(tiny, runners, {
      fast: quick,
      slow: quick,
      slowMaxFlops: Number.POSITIVE_INFINITY,
      slowMaxMs: 60_000,
    });
    await Promise.all(runners.map((r) => r.dispose()));
    expect(results.map((r) => `${r.case} · ${r.runner}`)).toEqual(
      tiny.flatMap((c) => runners.map((r) => `${c.name} · ${r.label}`)),
    );
    for (const r of results) {
      expect(r.maxRelErr).toBeLessThan(1e-5);
      expect(r.gflops).toBeGreaterThan(0);
    }
    const resident = runners.find((r) => r.label.endsWith('×1 resident'))!;
    const plain = { a: Float32Array.of(1, 2), b: Float32Array.of(3), out: new Float32Array(2) };
    const staged = resident.stage!(plain);
    expect(staged.a).not.toBe(plain.a);
    expect([...staged.a, ...staged.b]).toEqual([1, 2, 3]);
    resident.unstage!(staged);
    const summary = targetSummary(targetChecks(tiny, results, runners));
    expect(summary).toHaveLength(4 + relaxed.length);
    expect(summary[0]).toMatch(
      /^wasm ×1 \(target 35 GFLOP\/s\): projection NT\/TN min [\d.]+ \(CPU-time [\d.]+\) vs ≥ 28: \w.* \[— PyTorch ×1, — native mul\+add ×1\]$/,
    );
  });

  test('a platform without relaxed SIMD skips the relaxed runners with the reason and keeps the others', async () => {
    const reason = 'wasm backend: simd "relaxed" expected relaxed SIMD support, got none';
    const { runners, skipped } = await createRunners({
      wasmThreads: [1, 2],
      entries: [],
      relaxed: true,
      createEngine: async (options) => {
        if (options.simd === 'relaxed') throw new WasmBackendError(reason);
        return WasmGemmEngine.create(options);
      },
    });
    await Promise.all(runners.map((r) => r.dispose()));
    expect(runners.map((r) => r.label)).toEqual(['reference', 'wasm ×1', 'wasm ×2']);
    expect(skipped).toEqual([`wasm relaxed ×1: ${reason}`, `wasm relaxed ×2: ${reason}`]);
  });

  test('a slow runner skips a case its rate so far says would take longer than slowMaxMs', async () => {
    const { runners } = await createRunners({ wasmThreads: [], entries: [] });
    const huge: GemmCase = {
      name: 'huge',
      group: 'projection',
      layout: 'NN',
      batch: 1,
      m: 4096,
      k: 4096,
      n: 4096,
    };
    const options = { fast: quick, slow: quick, slowMaxFlops: Number.POSITIVE_INFINITY, slowMaxMs: 1000 };
    expect((await runGemmBench([tiny[0]!, huge], runners, options)).map((r) => r.case)).toEqual(['tiny NT']);
  });

  test('slow runners skip cases above slowMaxFlops', async () => {
    const { runners } = await createRunners({ wasmThreads: [], entries: [] });
    const results = await runGemmBench(tiny, runners, {
      fast: quick,
      slow: quick,
      slowMaxFlops: 20_000,
      slowMaxMs: 60_000,
    }); // tiny NT is 72,930 flops, tiny batched TN 12,960
    expect(results.map((r) => r.case)).toEqual(['tiny batched TN']);
    expect(WASM_TARGETS[2]! * TRANSPOSED_FLOOR).toBe(52);
  });
});

// pnpm --filter @lora/bench bench: f32 GEMM GFLOP/s for every case × runner, with the same run's baselines (PyTorch
// on 1 and 2 threads, the native 128-bit SIMD ceiling), printed as a table and written to bench-results/gemm.json
// at the repository root. Flags: --quick (reference only on cases ≤ 1 GFLOP, shorter budgets), --filter <text>
// (cases whose name contains it), --threads 1,2 (wasm thread counts), --no-resident (skip the runs with operands
// kept in wasm memory), --no-baselines (skip PyTorch and the native ceiling), --no-nf4 (skip the NF4
// fused-vs-unfused table), --no-models (skip the models table), --no-step (skip the QLoRA step table: tokens/s and
// host-device traffic per step on wasm and, where an adapter opens, webgpu; --step-shape qwen2.5-0.5b for the real
// shape), --no-kernels (skip the per-kernel table: every kernel at its largest conformance case on wasm and webgpu),
// --no-decode (skip the decode table: NF4 vs dense greedy decoding against PyTorch of the small model, the
// Qwen2.5-0.5B and the Qwen2.5-1.5B shape; --decode-layers N of each Qwen shape's layers, 8 by default;
// --decode-shapes small,qwen2.5-0.5b,qwen2.5-1.5b, all three by default, the first two with --quick), --no-gemm (skip the GEMM table and its baselines), --no-lora-step
// (skip the LoRA-step table: issue 14's small and 0.5B-shape cases against PyTorch at 1 and 2 threads),
// --memory-15b / --no-memory-15b (the QLoRA 1.5B memory row, minutes: on in a full run, off with --quick unless
// asked). Last, the issue 14 targets summary (bench-results/targets.json) from this run's tables.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runDecodeBench } from './decode-bench.js';
import { parseDecodeShapes } from './decode-cases.js';
import type { DecodeBenchRecord } from './decode-table.js';
import { runGemmBench } from './gemm-bench.js';
import { GEMM_CASES } from './gemm-cases.js';
import { baselineLines, gemmTable } from './gemm-table.js';
import { runKernelBench } from './kernel-bench.js';
import { type LoraStepBenchRecord, runLoraStepBench } from './lora-step-bench.js';
import { describeLoad, machineInfo } from './machine.js';
import { modelTargets, modelTargetsLines, type NotRun } from './model-targets.js';
import { runModelsBench } from './models-bench.js';
import { type NativeCeilingOutcome, runNativeCeiling } from './native-ceiling.js';
import { runNf4BenchMain } from './nf4-bench.js';
import { memoryRowWanted, type QloraMemoryOutcome, runQloraMemoryBench } from './qlora-memory-bench.js';
import { writeResultsFile } from './results-file.js';
import { createRunners } from './runners.js';
import { runStepBench } from './step-bench.js';
import { bestWasmTable, targetChecks, targetPreamble, targetSummary } from './targets.js';
import { runTorchGemm, type TorchGemmOutcome } from './torch-gemm.js';

/** thread counts of the baselines: those the targets name */
const BASELINE_THREADS = [1, 2];

const OUT_FILE = fileURLToPath(new URL('../../../bench-results/gemm.json', import.meta.url));
const TARGETS_FILE = fileURLToPath(new URL('../../../bench-results/targets.json', import.meta.url));

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const machine = machineInfo();
  console.log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${describeLoad(machine)}`);
  if (!process.argv.includes('--no-gemm')) await runGemmTables(quick); // bench-results/gemm.json
  if (!process.argv.includes('--no-nf4')) await runNf4BenchMain({ quick }); // bench-results/nf4.json
  if (!process.argv.includes('--no-models')) await runModelsBench({ quick }); // bench-results/models.json
  if (!process.argv.includes('--no-step')) await runStepBench({ quick, shape: flag('--step-shape') }); // step.json
  if (!process.argv.includes('--no-kernels')) await runKernelBench({ quick }); // bench-results/kernels.json
  const step: LoraStepBenchRecord | NotRun = process.argv.includes('--no-lora-step')
    ? { skipped: 'LoRA step table: --no-lora-step' }
    : await runLoraStepBench({ quick }); // bench-results/lora-step.json
  let decode: DecodeBenchRecord | NotRun = { skipped: 'decode table: --no-decode' };
  if (!process.argv.includes('--no-decode')) {
    const layers = flag('--decode-layers');
    const shapes = flag('--decode-shapes');
    decode = await runDecodeBench({
      quick,
      layers: layers === undefined ? undefined : Number(layers),
      shapes: shapes === undefined ? undefined : parseDecodeShapes(shapes),
    }); // bench-results/decode.json
  }
  const wanted = memoryRowWanted(process.argv);
  const memory: QloraMemoryOutcome = 'skipped' in wanted ? wanted : await runQloraMemoryBench(); // qlora-memory.json

  const targets = modelTargets({ step, decode, memory, quick });
  console.log(`\nissue 14 targets (ratios within this run; "—" where a table or baseline did not run)\n`);
  console.log(modelTargetsLines(targets).join('\n'));
  const command = `pnpm --filter @lora/bench bench ${process.argv.slice(2).join(' ')}`.trim();
  await writeResultsFile(TARGETS_FILE, { machine, command, targets });
  console.log(`\nwrote ${TARGETS_FILE}`);
}

/** The GEMM table, its baselines and its target checks: bench-results/gemm.json. */
async function runGemmTables(quick: boolean): Promise<void> {
  const filter = flag('--filter');
  const cores = availableParallelism();
  const wasmThreads = flag('--threads')?.split(',').map(Number) ?? (cores > 2 ? [1, 2, cores] : [1, 2]);
  const cases = GEMM_CASES.filter((c) => !filter || c.name.includes(filter));
  const machine = machineInfo();

  const { runners, skipped } = await createRunners({
    wasmThreads,
    resident: !process.argv.includes('--no-resident'),
    relaxed: true,
  });
  for (const r of runners) console.log(`  ${r.label.padEnd(18)} ${r.describe}`);
  for (const s of skipped) console.log(`  skipped: ${s}`);

  const settings = {
    quick,
    filter: filter ?? null,
    fast: { budgetMs: quick ? 600 : 1500, minReps: quick ? 3 : 5, maxReps: 25 },
    slow: { budgetMs: quick ? 1500 : 3000, minReps: 1, maxReps: 3 },
    slowMaxFlops: quick ? 1e9 : Number.POSITIVE_INFINITY,
    slowMaxMs: quick ? 3000 : 10_000,
  };
  const results = await runGemmBench(cases, runners, {
    ...settings,
    onResult: (r) => process.stderr.write(`  ${r.case} · ${r.runner}: ${r.gflops.toFixed(1)} GFLOP/s\n`),
  });
  for (const r of runners) await r.dispose();

  // the baselines run after the wasm runners are gone, one at a time, so nothing else competes for the cores
  const baselines = !process.argv.includes('--no-baselines');
  const native: NativeCeilingOutcome = baselines
    ? runNativeCeiling({ threads: BASELINE_THREADS, budgetMs: quick ? 300 : 1000 })
    : { skipped: 'native ceiling: --no-baselines' };
  const torch: TorchGemmOutcome[] = BASELINE_THREADS.map((threads) => {
    if (!baselines) return { threads, skipped: `PyTorch ×${threads}: --no-baselines` };
    process.stderr.write(`  PyTorch ×${threads} on every case ...\n`);
    return runTorchGemm(cases, threads, { measure: settings.fast });
  });
  console.log('\nbaselines measured in this run:');
  console.log(baselineLines(torch, native).join('\n'));

  console.log(
    '\nf32 GEMM, GFLOP/s of the median wall time; in parentheses flops ÷ (process CPU time ÷ threads), the rate\n' +
      'with no thread ever descheduled (an estimate for a shared machine); — not run (slow runner, long case,\n' +
      'skipped baseline)\n',
  );
  console.log(gemmTable(cases, results, runners, torch));
  const checks = targetChecks(cases, results, runners, { torch, native });
  console.log(`\n${targetPreamble().join('\n')}\n`);
  console.log(bestWasmTable(checks));
  console.log(`\n${targetSummary(checks).join('\n')}`);

  const record = {
    machine,
    settings,
    runners: runners.map(({ label, backend, threads, simd, describe }) => ({
      label,
      backend,
      threads,
      simd: simd ?? null,
      describe,
    })),
    skipped,
    cases,
    results,
    baselines: { torch, native },
    targets: checks,
  };
  await writeResultsFile(OUT_FILE, record);
  console.log(`\nwrote ${OUT_FILE}`);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
  if (process.argv.includes('--debug') && error instanceof Error) console.error(error.stack);
  process.exit(1);
});

// pnpm --filter @lora/bench bench: f32 GEMM GFLOP/s for every case × runner, printed as a table and written to
// bench-results/gemm.json at the repository root. Flags: --quick (reference only on cases ≤ 1 GFLOP, shorter
// budgets), --filter <text> (cases whose name contains it), --threads 1,2 (wasm thread counts), --no-resident
// (skip the runs with operands kept in wasm memory), --no-nf4 (skip the NF4 fused-vs-unfused table).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGemmBench } from './gemm-bench.js';
import { flopsOf, GEMM_CASES } from './gemm-cases.js';
import { machineInfo } from './machine.js';
import { runModelsBench } from './models-bench.js';
import { runNf4BenchMain } from './nf4-bench.js';
import { createRunners } from './runners.js';
import { formatTable } from './table.js';
import { targetSummary } from './targets.js';

const OUT_FILE = fileURLToPath(new URL('../../../bench-results/gemm.json', import.meta.url));

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const filter = flag('--filter');
  const cores = availableParallelism();
  const wasmThreads = flag('--threads')?.split(',').map(Number) ?? (cores > 2 ? [1, 2, cores] : [1, 2]);
  const cases = GEMM_CASES.filter((c) => !filter || c.name.includes(filter));
  const machine = machineInfo();
  console.log(
    `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
  );

  const { runners, skipped } = await createRunners(
    wasmThreads,
    undefined,
    !process.argv.includes('--no-resident'),
  );
  for (const r of runners) console.log(`  ${r.label.padEnd(12)} ${r.describe}`);
  for (const s of skipped) console.log(`  skipped: ${s}`);

  const settings = {
    quick,
    filter: filter ?? null,
    fast: { budgetMs: quick ? 600 : 1500, minReps: 5, maxReps: 25 },
    slow: { budgetMs: quick ? 1500 : 3000, minReps: 1, maxReps: 3 },
    slowMaxFlops: quick ? 1e9 : Number.POSITIVE_INFINITY,
    slowMaxMs: quick ? 3000 : 10_000,
  };
  const results = runGemmBench(cases, runners, {
    ...settings,
    onResult: (r) => process.stderr.write(`  ${r.case} · ${r.runner}: ${r.gflops.toFixed(1)} GFLOP/s\n`),
  });
  for (const r of runners) await r.dispose();

  const cell = (c: string, label: string) => {
    const r = results.find((x) => x.case === c && x.runner === label);
    if (!r) return '—';
    const bad = r.maxRelErr !== null && r.maxRelErr > 1e-3 ? ' MISMATCH' : '';
    return `${r.gflops.toFixed(1)} (${r.gflopsCpu.toFixed(1)})${bad}`;
  };
  const header = ['case', 'GFLOP', ...runners.map((r) => r.label)];
  const rows = cases.map((c) => [
    c.name,
    (flopsOf(c) / 1e9).toFixed(2),
    ...runners.map((r) => cell(c.name, r.label)),
  ]);
  console.log(
    '\nf32 GEMM, GFLOP/s of the median wall time; in parentheses flops ÷ (process CPU time ÷ threads), the rate\n' +
      'with no thread ever descheduled (an estimate for a shared machine); — not run (slow runner, long case)\n',
  );
  console.log(formatTable(header, rows));
  console.log(`\n${targetSummary(cases, results, runners).join('\n')}`);

  const record = {
    machine,
    settings,
    runners: runners.map(({ label, backend, threads, describe }) => ({ label, backend, threads, describe })),
    skipped,
    cases,
    results,
  };
  mkdirSync(dirname(OUT_FILE), { recursive: true });
  const tmp = `${OUT_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, OUT_FILE);
  console.log(`\nwrote ${OUT_FILE}`);

  if (!process.argv.includes('--no-nf4')) await runNf4BenchMain({ quick }); // bench-results/nf4.json
  if (!process.argv.includes('--no-models')) await runModelsBench({ quick }); // bench-results/models.json
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
  if (process.argv.includes('--debug') && error instanceof Error) console.error(error.stack);
  process.exit(1);
});

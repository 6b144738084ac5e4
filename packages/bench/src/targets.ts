// The issue's targets for the wasm GEMM: ≥ 35 GFLOP/s on one thread and ≥ 65 on two for the projection shapes
// (NN), the transposed layouts and the LoRA shapes within 20% of that; each checked figure also divided by the
// baselines of the same run: PyTorch on the same threads and the native ceiling of the same instruction mix.
import type { GemmResult } from './gemm-bench.js';
import type { GemmCase } from './gemm-cases.js';
import { type InstructionMix, type NativeCeilingOutcome, nativeCeiling } from './native-ceiling.js';
import type { GemmRunner } from './runners.js';
import { formatTable } from './table.js';
import { isTorchRun, type TorchGemmOutcome } from './torch-gemm.js';

export const WASM_TARGETS: Readonly<Record<number, number>> = { 1: 35, 2: 65 };
/** transposed layouts and LoRA shapes may be this much slower than the target */
export const TRANSPOSED_FLOOR = 0.8;
/** PyTorch (OpenBLAS) on one thread where the targets were set, GFLOP/s: 35 was about a quarter of it */
export const ISSUE_HOST_TORCH_1T = 145;

export interface Baselines {
  torch: readonly TorchGemmOutcome[];
  native: NativeCeilingOutcome;
}

export type CheckGroup = 'projection NN' | 'projection NT/TN' | 'LoRA';

const GROUPS: readonly { group: CheckGroup; transposed: boolean; pick: (c: GemmCase) => boolean }[] = [
  { group: 'projection NN', transposed: false, pick: (c) => c.group === 'projection' && c.layout === 'NN' },
  { group: 'projection NT/TN', transposed: true, pick: (c) => c.group === 'projection' && c.layout !== 'NN' },
  { group: 'LoRA', transposed: true, pick: (c) => c.group === 'lora' },
];

/** One wasm runner on one group of cases: its slowest case against the floor and the same run's baselines. */
export interface TargetCheck {
  runner: string;
  threads: number;
  mix: InstructionMix;
  group: CheckGroup;
  /** the issue's floor for this group and thread count, GFLOP/s */
  floor: number;
  /** the group's slowest case on this runner */
  worstCase: string;
  gflops: number;
  /** the slowest CPU-time figure of the group */
  gflopsCpu: number;
  verdict: 'meets' | 'meets by CPU time only' | 'below';
  /** PyTorch on the same threads, slowest of the same cases; null where not measured */
  torch: number | null;
  vsTorch: number | null;
  /** native ceiling of the same instruction mix and threads (median); null where not measured */
  native: number | null;
  vsNative: number | null;
}

const NO_BASELINES: Baselines = { torch: [], native: { skipped: 'not run' } };

/** Every (wasm runner with a target × group) that ran at least one of the group's non-informational cases. */
export function targetChecks(
  cases: readonly GemmCase[],
  results: readonly GemmResult[],
  runners: readonly GemmRunner[],
  baselines: Baselines = NO_BASELINES,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const runner of runners) {
    const target = WASM_TARGETS[runner.threads];
    if (runner.backend !== 'wasm' || target === undefined) continue;
    const mix: InstructionMix = runner.simd === 'relaxed' ? 'fma' : 'muladd';
    const torchRun = baselines.torch.find((t) => t.threads === runner.threads);
    const native = nativeCeiling(baselines.native, mix, runner.threads)?.gflops ?? null;
    for (const { group, transposed, pick } of GROUPS) {
      const mine = results.filter(
        (r) =>
          r.runner === runner.label && cases.some((c) => c.name === r.case && !c.informational && pick(c)),
      );
      if (mine.length === 0) continue;
      const worst = mine.reduce((a, b) => (b.gflops < a.gflops ? b : a));
      const gflopsCpu = Math.min(...mine.map((r) => r.gflopsCpu));
      const floor = transposed ? target * TRANSPOSED_FLOOR : target;
      const torchRates =
        torchRun && isTorchRun(torchRun)
          ? mine.map((r) => torchRun.results.find((t) => t.case === r.case)?.gflops)
          : [];
      const torch =
        torchRates.length > 0 && torchRates.every((x) => x !== undefined)
          ? Math.min(...(torchRates as number[]))
          : null;
      checks.push({
        runner: runner.label,
        threads: runner.threads,
        mix,
        group,
        floor,
        worstCase: worst.case,
        gflops: worst.gflops,
        gflopsCpu,
        verdict: worst.gflops >= floor ? 'meets' : gflopsCpu >= floor ? 'meets by CPU time only' : 'below',
        torch,
        vsTorch: torch === null ? null : worst.gflops / torch,
        native,
        vsNative: native === null ? null : worst.gflops / native,
      });
    }
  }
  return checks;
}

const ratio = (x: number | null) => (x === null ? '—' : `${x.toFixed(2)}×`);
const rate = (x: number | null) => (x === null ? '—' : x.toFixed(1));
const MIX: Readonly<Record<InstructionMix, string>> = { muladd: 'mul+add', fma: 'FMA' };

/** One line per wasm runner with a target: each group's slowest case against its floor, and its same-run ratios. */
export function targetSummary(checks: readonly TargetCheck[]): string[] {
  const runners = [...new Set(checks.map((c) => c.runner))];
  return runners.map((runner) => {
    const mine = checks.filter((c) => c.runner === runner);
    const threads = mine[0]!.threads;
    const parts = mine.map(
      (c) =>
        `${c.group} min ${c.gflops.toFixed(1)} (CPU-time ${c.gflopsCpu.toFixed(1)}) vs ≥ ${c.floor.toFixed(0)}: ` +
        `${c.verdict} [${ratio(c.vsTorch)} PyTorch ×${c.threads}, ${ratio(c.vsNative)} native ${MIX[c.mix]} ×${c.threads}]`,
    );
    return `${runner} (target ${WASM_TARGETS[threads]} GFLOP/s): ${parts.join('; ')}`;
  });
}

/** Per target (thread count) and group: the best wasm runner's figure, the floor, and its same-run ratios. */
export function bestWasmTable(checks: readonly TargetCheck[]): string {
  const rows: string[][] = [];
  for (const threads of Object.keys(WASM_TARGETS).map(Number)) {
    for (const { group } of GROUPS) {
      const mine = checks.filter((c) => c.threads === threads && c.group === group);
      if (mine.length === 0) continue;
      const best = mine.reduce((a, b) => (b.gflops > a.gflops ? b : a));
      rows.push([
        `${group} ×${threads}`,
        `≥ ${best.floor.toFixed(0)}`,
        best.gflops.toFixed(1),
        best.runner,
        best.verdict,
        rate(best.torch),
        ratio(best.vsTorch),
        best.native === null ? '—' : `${MIX[best.mix]} ${best.native.toFixed(1)}`,
        ratio(best.vsNative),
      ]);
    }
  }
  const header = ['group, threads', 'target', 'best wasm', 'runner', 'verdict', 'PyTorch', 'wasm ÷ PyTorch'];
  return formatTable([...header, 'native ceiling', 'wasm ÷ native'], rows);
}

/** The lines that say how to read the targets table. */
export function targetPreamble(): string[] {
  const implied = (WASM_TARGETS[1]! / ISSUE_HOST_TORCH_1T).toFixed(2);
  return [
    `The issue's targets, ≥ ${WASM_TARGETS[1]} GFLOP/s on 1 thread and ≥ ${WASM_TARGETS[2]} on 2 (projections NN; NT/TN and LoRA`,
    `within ${Math.round((1 - TRANSPOSED_FLOOR) * 100)}%), were set where PyTorch ×1 ran ~${ISSUE_HOST_TORCH_1T} GFLOP/s: 1-thread target ≈ ${implied}× PyTorch ×1.`,
    "Each figure is the group's slowest case (median wall time); wasm ÷ PyTorch divides it by PyTorch's slowest",
    'of the same cases on the same threads, wasm ÷ native by the native 128-bit micro-kernel ceiling of the same',
    'instruction mix (baseline build vs mul+add, relaxed build vs FMA), both measured in this run.',
  ];
}

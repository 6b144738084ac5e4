// The targets for the wasm GEMM: ≥ 35 GFLOP/s on one thread and ≥ 65 on two for the projection
// shapes (NN), the transposed layouts and the LoRA shapes within 20% of that.
import type { GemmResult } from './gemm-bench.js';
import type { GemmCase } from './gemm-cases.js';
import type { GemmRunner } from './runners.js';

export const WASM_TARGETS: Readonly<Record<number, number>> = { 1: 35, 2: 65 };
/** transposed layouts and LoRA shapes may be this much slower than the target */
export const TRANSPOSED_FLOOR = 0.8;

interface Check {
  label: string;
  floor: number;
  pick: (c: GemmCase) => boolean;
}

/** One line per wasm runner with a target: the slowest case of each group against its floor. */
export function targetSummary(
  cases: readonly GemmCase[],
  results: readonly GemmResult[],
  runners: readonly GemmRunner[],
): string[] {
  const lines: string[] = [];
  for (const runner of runners) {
    const target = WASM_TARGETS[runner.threads];
    if (runner.backend !== 'wasm' || target === undefined) continue;
    const checks: Check[] = [
      { label: 'projection NN', floor: target, pick: (c) => c.group === 'projection' && c.layout === 'NN' },
      {
        label: 'projection NT/TN',
        floor: target * TRANSPOSED_FLOOR,
        pick: (c) => c.group === 'projection' && c.layout !== 'NN',
      },
      { label: 'LoRA', floor: target * TRANSPOSED_FLOOR, pick: (c) => c.group === 'lora' },
    ];
    const parts = checks.flatMap(({ label, floor, pick }) => {
      const mine = results.filter(
        (r) =>
          r.runner === runner.label && cases.some((c) => c.name === r.case && !c.informational && pick(c)),
      );
      if (mine.length === 0) return [];
      const worst = mine.reduce((a, b) => (b.gflops < a.gflops ? b : a));
      const cpu = Math.min(...mine.map((r) => r.gflopsCpu));
      const verdict = worst.gflops >= floor ? 'meets' : cpu >= floor ? 'meets by CPU time only' : 'below';
      return [
        `${label} min ${worst.gflops.toFixed(1)} (CPU-time ${cpu.toFixed(1)}) vs ≥ ${floor.toFixed(0)}: ${verdict}`,
      ];
    });
    lines.push(`${runner.label} (target ${target} GFLOP/s): ${parts.join('; ')}`);
  }
  return lines;
}

// The printed GEMM table: one row per case, one column per runner and one per PyTorch thread count, and the
// lines that describe the same-run baselines (or why one was skipped).
import type { GemmResult } from './gemm-bench.js';
import { flopsOf, type GemmCase } from './gemm-cases.js';
import { isNativeRun, type NativeCeilingOutcome } from './native-ceiling.js';
import type { GemmRunner } from './runners.js';
import { formatTable } from './table.js';
import { isTorchRun, type TorchGemmOutcome } from './torch-gemm.js';

/** a result above this relative error against the reference is flagged MISMATCH */
export const MISMATCH_REL_ERR = 1e-3;

const gflopsCell = (r: { gflops: number; gflopsCpu: number } | undefined) =>
  r ? `${r.gflops.toFixed(1)} (${r.gflopsCpu.toFixed(1)})` : '—';

export function gemmTable(
  cases: readonly GemmCase[],
  results: readonly GemmResult[],
  runners: readonly GemmRunner[],
  torch: readonly TorchGemmOutcome[],
): string {
  const header = [
    'case',
    'GFLOP',
    ...runners.map((r) => r.label),
    ...torch.map((t) => `PyTorch ×${t.threads}`),
  ];
  const rows = cases.map((c) => [
    c.name,
    (flopsOf(c) / 1e9).toFixed(2),
    ...runners.map((runner) => {
      const r = results.find((x) => x.case === c.name && x.runner === runner.label);
      const bad = r && r.maxRelErr !== null && r.maxRelErr > MISMATCH_REL_ERR ? ' MISMATCH' : '';
      return `${gflopsCell(r)}${bad}`;
    }),
    ...torch.map((t) => gflopsCell(isTorchRun(t) ? t.results.find((x) => x.case === c.name) : undefined)),
  ]);
  return formatTable(header, rows);
}

/** One line per baseline: what ran (and its figures, for the ceiling), or why it was skipped. */
export function baselineLines(torch: readonly TorchGemmOutcome[], native: NativeCeilingOutcome): string[] {
  const lines = torch.map((t) =>
    isTorchRun(t)
      ? `  PyTorch ×${t.threads}   torch ${t.torch} (BLAS ${t.blas}) via ${t.python}, torch.set_num_threads(${t.threads})`
      : `  PyTorch ×${t.threads}   — skipped: ${t.skipped}`,
  );
  if (!isNativeRun(native)) return [...lines, `  native       — skipped: ${native.skipped}`];
  const figures = (['muladd', 'fma'] as const).flatMap((variant) => {
    const mine = native.results.filter((r) => r.variant === variant);
    if (mine.length === 0) return [];
    const name = variant === 'fma' ? 'FMA' : 'mul+add';
    return [
      `${name} ${mine.map((r) => `×${r.threads} ${r.gflops.toFixed(1)} (best ${r.bestGflops.toFixed(1)})`).join(', ')}`,
    ];
  });
  const noFma = native.fmaSupported ? '' : '; this CPU lacks FMA';
  return [
    ...lines,
    `  native       4×8 SSE micro-kernel on L1-resident panels (${native.compiler} ${native.flags.join(' ')})${noFma}:`,
    `               ${figures.join('; ')} GFLOP/s`,
  ];
}

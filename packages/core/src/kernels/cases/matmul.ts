// Cases of the GEMM family: matmul and batchedMatmul in every layout (nf4Matmul's are in nf4-matmul.ts).
import { caseList, type KernelCase } from './case-list.js';
import { poisoned, type Rng, uniform } from './inputs.js';
import { gemmTolerance } from './tolerances.js';

const { cases, add } = caseList();

// --- matmul, batchedMatmul: every layout, accumulate and alpha, LoRA-skinny and >1000 cases --------------
const LAYOUTS = [
  { layout: 'NN', transA: false, transB: false },
  { layout: 'NT', transA: false, transB: true },
  { layout: 'TN', transA: true, transB: false },
  { layout: 'TT', transA: true, transB: true },
] as const;

function gemm(
  name: string,
  l: (typeof LAYOUTS)[number],
  m: number,
  n: number,
  k: number,
  extra: { alpha?: number; accumulate?: boolean } = {},
  batch = 0,
): void {
  const count = Math.max(batch, 1);
  const build = (rng: Rng) => ({
    a: uniform(rng, count * m * k),
    b: uniform(rng, count * k * n),
    out: extra.accumulate ? uniform(rng, count * m * n) : poisoned(count * m * n),
    m,
    n,
    k,
    transA: l.transA,
    transB: l.transB,
    ...extra,
  });
  if (batch > 0)
    add(
      'batchedMatmul',
      `${l.layout} ${batch}×(${m}×${n}×${k})${name}`,
      (rng) => ({ ...build(rng), batch }),
      gemmTolerance(k, extra.alpha),
    );
  else add('matmul', `${l.layout} ${m}×${n}×${k}${name}`, build, gemmTolerance(k, extra.alpha));
}

for (const l of LAYOUTS) {
  for (const [m, n, k] of [
    [1, 1, 1],
    [1, 7, 3],
    [3, 1, 17],
    [3, 7, 5],
    [17, 33, 65],
    [65, 17, 127],
    [127, 65, 33],
  ] as const)
    gemm('', l, m, n, k);
  gemm(' accumulate, alpha −0.5', l, 33, 17, 65, { accumulate: true, alpha: -0.5 });
  gemm(' alpha 2', l, 7, 33, 17, { alpha: 2 });
  // LoRA-skinny (T = 512, hidden 896 as Qwen2.5-0.5B, rank R = 16): up-projection (K = R), a rank-side product
  // (M = R) over the hidden dim, down-projection (N = R)
  for (const [m, n, k] of [
    [512, 896, 16],
    [16, 512, 896],
    [512, 16, 896],
  ] as const)
    gemm(' (LoRA)', l, m, n, k);
  gemm('', l, 7, 5, 9, {}, 3);
}
// every pair of dimensions above 1000 (all odd), in the Linear layout: the tiling edges of M, N and K are
// independent, so three thin products cover what one 1031×1029×1027 (2.2 GFLOP per backend) did, at 1/50 the work
gemm(' (>1000 in M and N, Linear layout)', LAYOUTS[1], 1031, 1029, 7);
gemm(' (>1000 in M and K, Linear layout)', LAYOUTS[1], 1031, 9, 1027);
gemm(' (>1000 in N and K, Linear layout)', LAYOUTS[1], 5, 1029, 1027);
gemm(' (a Linear layer, N·K past one texture row)', LAYOUTS[1], 33, 517, 129);
gemm(' attention q·kᵀ, alpha 1/8', LAYOUTS[1], 65, 65, 64, { alpha: 0.125 }, 14);
gemm(' attention p·v', LAYOUTS[0], 65, 64, 65, {}, 14);
gemm(' accumulate, alpha 0.5', LAYOUTS[2], 17, 33, 7, { accumulate: true, alpha: 0.5 }, 2);

export const MATMUL_CASES: readonly KernelCase[] = cases;

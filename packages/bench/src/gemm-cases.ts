// The GEMM shapes the benchmark times: Qwen2.5-0.5B projections at 512 tokens in the three layouts a Linear
// layer's forward and backward need, the LoRA-rank products, and attention's per-head products.

export interface GemmCase {
  /** row label, e.g. "q/o proj 512×896×896 NT" */
  name: string;
  group: 'projection' | 'lora' | 'attention';
  /** NN, NT (B transposed: a Linear weight [out, in]) or TN (A transposed: dW = dYᵀ·X) */
  layout: 'NN' | 'NT' | 'TN';
  batch: number;
  m: number;
  k: number;
  n: number;
  /** timed for information, outside the targets */
  informational?: boolean;
}

const PROJECTIONS = [
  { label: 'q/o proj', m: 512, k: 896, n: 896 },
  { label: 'up/gate proj', m: 512, k: 896, n: 4864 },
  { label: 'down proj', m: 512, k: 4864, n: 896 },
];
const LAYOUTS = ['NN', 'NT', 'TN'] as const;

export const GEMM_CASES: readonly GemmCase[] = [
  ...PROJECTIONS.flatMap(({ label, m, k, n }) =>
    LAYOUTS.map((layout) => ({
      name: `${label} ${m}×${k}×${n} ${layout}`,
      group: 'projection' as const,
      layout,
      batch: 1,
      m,
      k,
      n,
    })),
  ),
  // LoRA at rank 16 on a 896-wide projection (A is [r, in], B is [out, r]): the forward x·Aᵀ, the backward
  // dh = dy·B and dA = dhᵀ·x, the 16×512×896 shape as NN too, and the up-projection h·Bᵀ (K = 16)
  { name: 'LoRA x·Aᵀ 512×896×16 NT', group: 'lora', layout: 'NT', batch: 1, m: 512, k: 896, n: 16 },
  { name: 'LoRA dy·B 512×896×16 NN', group: 'lora', layout: 'NN', batch: 1, m: 512, k: 896, n: 16 },
  { name: 'LoRA dhᵀ·x 16×512×896 TN', group: 'lora', layout: 'TN', batch: 1, m: 16, k: 512, n: 896 },
  { name: 'LoRA 16×512×896 NN', group: 'lora', layout: 'NN', batch: 1, m: 16, k: 512, n: 896 },
  {
    name: 'LoRA h·Bᵀ 512×16×896 NT',
    group: 'lora',
    layout: 'NT',
    batch: 1,
    m: 512,
    k: 16,
    n: 896,
    informational: true,
  },
  // attention, 14 heads of 64 over 512 tokens: scores Q·Kᵀ, context P·V, and dV = Pᵀ·dO
  {
    name: 'attn scores 14×512×64×512 NT',
    group: 'attention',
    layout: 'NT',
    batch: 14,
    m: 512,
    k: 64,
    n: 512,
  },
  { name: 'attn P·V 14×512×512×64 NN', group: 'attention', layout: 'NN', batch: 14, m: 512, k: 512, n: 64 },
  { name: 'attn dV 14×512×512×64 TN', group: 'attention', layout: 'TN', batch: 14, m: 512, k: 512, n: 64 },
];

export function flopsOf(c: GemmCase): number {
  return 2 * c.batch * c.m * c.k * c.n;
}

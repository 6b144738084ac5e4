// Cases of layernorm and its backward (from the reference forward's statistics): C = 2, odd widths, GPT-2's 768,
// over 1000 columns; the backward with both column sums, dbias only, and dx only.
import { referenceKernels as ref } from '../../register-reference.js';
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned, type Rng } from './inputs.js';
import { DEGENERATE_NORM_DX, OUTPUT_TOLERANCES } from './tolerances.js';

const { cases, add } = caseList();

for (const [rows, cols] of [
  [1, 2],
  [3, 7],
  [17, 768],
  [5, 1031],
] as const) {
  const forward = (rng: Rng) => ({
    x: normal(rng, rows * cols, 2, 0.5),
    weight: normal(rng, cols, 0.1, 1),
    bias: normal(rng, cols, 0.1),
    out: poisoned(rows * cols),
    mean: poisoned(rows),
    rstd: poisoned(rows),
    rows,
    cols,
    eps: 1e-5,
  });
  add('layernorm', `${rows}×${cols}`, forward);
  for (const sums of ['', ' (dbias only)', ' (dx only)'] as const) {
    add(
      'layernormBackward',
      `${rows}×${cols}${sums}`,
      (rng) => {
        const f = forward(rng);
        ref.layernorm(f);
        return {
          dout: normal(rng, rows * cols),
          x: f.x,
          weight: f.weight,
          mean: f.mean,
          rstd: f.rstd,
          dx: poisoned(rows * cols),
          dweightAccumulate: sums === '' ? normal(rng, cols) : undefined,
          dbiasAccumulate: sums === ' (dx only)' ? undefined : normal(rng, cols),
          rows,
          cols,
        };
      },
      cols === 2 ? { ...OUTPUT_TOLERANCES.layernormBackward, dx: DEGENERATE_NORM_DX } : undefined,
    );
  }
}

export const LAYERNORM_CASES: readonly KernelCase[] = cases;

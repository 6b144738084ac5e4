// Cases of rmsnorm and its backward (from the reference forward's statistics): C = 1, odd widths, Qwen's 896, over
// 1000 columns, Gemma's weightOffset 1, with and without an accumulated dweight.
import { referenceKernels as ref } from '../../register-reference.js';
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned, type Rng } from './inputs.js';
import { DEGENERATE_NORM_DX, OUTPUT_TOLERANCES } from './tolerances.js';

const { cases, add } = caseList();

for (const [rows, cols, weightOffset] of [
  [1, 1, 0],
  [3, 7, 0],
  [17, 65, 0],
  [33, 514, 0],
  [33, 896, 0],
  [7, 1031, 0],
  [3, 7, 1],
  [17, 65, 1],
  [7, 1031, 1],
] as const) {
  const forward = (rng: Rng) => ({
    x: normal(rng, rows * cols, 2),
    weight: normal(rng, cols, 0.1, weightOffset ? 0 : 1),
    out: poisoned(rows * cols),
    rstd: poisoned(rows),
    rows,
    cols,
    eps: 1e-6,
    weightOffset,
  });
  add('rmsnorm', `${rows}×${cols} weightOffset ${weightOffset}`, forward);
  for (const withDweight of [true, false]) {
    add(
      'rmsnormBackward',
      `${rows}×${cols} weightOffset ${weightOffset}${withDweight ? '' : ' (dx only)'}`,
      (rng) => {
        const f = forward(rng);
        ref.rmsnorm(f);
        return {
          dout: normal(rng, rows * cols),
          x: f.x,
          weight: f.weight,
          rstd: f.rstd,
          dx: poisoned(rows * cols),
          dweightAccumulate: withDweight ? normal(rng, cols) : undefined,
          rows,
          cols,
          weightOffset,
        };
      },
      cols === 1 ? { ...OUTPUT_TOLERANCES.rmsnormBackward, dx: DEGENERATE_NORM_DX } : undefined,
    );
  }
}

export const RMSNORM_CASES: readonly KernelCase[] = cases;

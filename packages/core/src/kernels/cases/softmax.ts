// Cases of softmax and its backward: one column, odd widths, rows over 1000 columns, outputs past one GPU texture
// row, causal −Infinity masks.
import { referenceKernels as ref } from '../../register-reference.js';
import { caseList, type KernelCase } from './case-list.js';
import { normal, poisoned, uniform } from './inputs.js';

const { cases, add } = caseList();

for (const [rows, cols] of [
  [1, 1],
  [3, 7],
  [17, 33],
  [37, 129],
  [65, 127],
  [33, 1031],
  [5, 1031],
] as const) {
  add('softmax', `${rows}×${cols}`, (rng) => ({
    x: normal(rng, rows * cols, 3),
    out: poisoned(rows * cols),
    rows,
    cols,
  }));
  add('softmaxBackward', `${rows}×${cols}`, (rng) => {
    const y = new Float32Array(rows * cols);
    ref.softmax({ x: normal(rng, rows * cols, 3), out: y, rows, cols });
    return { y, dy: normal(rng, rows * cols), dx: poisoned(rows * cols), rows, cols };
  });
}
// outputs past one texture row (16384 texels on many GPUs, 8192 on SwiftShader): a GPU backend packs them in 2-D
add('softmax', '3×9001 (rows past one texture row)', (rng) => ({
  x: uniform(rng, 3 * 9001, -10, 10),
  out: poisoned(3 * 9001),
  rows: 3,
  cols: 9001,
}));
add('softmaxBackward', '9001×3 (columns past one texture row)', (rng) => {
  const y = new Float32Array(9001 * 3);
  ref.softmax({ x: normal(rng, 9001 * 3, 3), out: y, rows: 9001, cols: 3 });
  return { y, dy: normal(rng, 9001 * 3), dx: poisoned(9001 * 3), rows: 9001, cols: 3 };
});
for (const n of [17, 19]) {
  add('softmax', `${n}×${n} causal mask (−Infinity above the diagonal)`, (rng) => {
    const x = normal(rng, n * n, 3);
    for (let r = 0; r < n; r++) x.fill(Number.NEGATIVE_INFINITY, r * n + r + 1, (r + 1) * n);
    return { x, out: poisoned(n * n), rows: n, cols: n };
  });
}

export const SOFTMAX_CASES: readonly KernelCase[] = cases;

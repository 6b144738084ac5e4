// Cases of adamw8bit: bitsandbytes' blockwise 8-bit state, fresh and after two steps, the clip factor, NaN and
// ±Infinity gradients and an all-zero block.
import { createDynamicMap } from '../../dynamic-map.js';
import { referenceKernels as ref } from '../../register-reference.js';
import { ADAMW8BIT_BLOCKSIZE } from '../reference/adamw8bit.js';
import { caseList, type KernelCase } from './case-list.js';
import { normal, type Rng } from './inputs.js';

const { cases, add } = caseList();

const [QMAP1, QMAP2] = [createDynamicMap(true), createDynamicMap(false)];

/** 8-bit AdamW arguments over `n` elements at step `steps + 1`, its state from `steps` reference steps. */
function adamw8bitArgs(rng: Rng, n: number, steps: number, weightDecay: number) {
  const blocks = Math.ceil(n / ADAMW8BIT_BLOCKSIZE);
  const args = {
    param: normal(rng, n, 0.02),
    grad: normal(rng, n, 0.01),
    state1: new Uint8Array(n),
    state2: new Uint8Array(n),
    absmax1: new Float32Array(blocks),
    absmax2: new Float32Array(blocks),
    qmap1: QMAP1,
    qmap2: QMAP2,
    step: steps + 1,
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay,
    n,
  };
  for (let step = 1; step <= steps; step++)
    ref.adamw8bit({ ...args, param: args.param.slice(), grad: normal(rng, n, 0.01), step });
  return args;
}
for (const n of [1, 7, 1031, 65539]) {
  add('adamw8bit', `n ${n} step 3 weight decay 0.01`, (rng) => adamw8bitArgs(rng, n, 2, 0.01));
}
add('adamw8bit', 'n 1031 fresh state (codes 0, absmax 0), step 1', (rng) => adamw8bitArgs(rng, 1031, 0, 0));
add('adamw8bit', 'n 1031 step 3 gradScale: clip factor 0.25', (rng) => ({
  ...adamw8bitArgs(rng, 1031, 2, 0),
  gradScale: Float32Array.from([0.25]),
}));
add('adamw8bit', 'n 1031 step 3 gradScale: non-finite factor skips the update', (rng) => ({
  ...adamw8bitArgs(rng, 1031, 2, 0.01),
  gradScale: Float32Array.from([Number.NaN]),
}));
add('adamw8bit', 'n 1031 NaN and ±Infinity gradients, an all-zero block', (rng) => {
  const args = adamw8bitArgs(rng, 1031, 0, 0.01);
  [args.grad[3], args.grad[300], args.grad[1030]] = [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
  args.grad.fill(0, 512, 768);
  return args;
});

export const ADAMW8BIT_CASES: readonly KernelCase[] = cases;

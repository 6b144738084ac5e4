// Cases of the elementwise and gather kernels: rope, activations, embedding and the optimizer steps
// (AdamW, SGD, 8-bit AdamW).
import { createDynamicMap } from '../../dynamic-map.js';
import { referenceKernels as ref } from '../../register-reference.js';
import { ropeTables } from '../../rope-tables.js';
import { ADAMW8BIT_BLOCKSIZE } from '../reference/adamw8bit.js';
import { caseList, type KernelCase } from './case-list.js';
import { ints, normal, poisoned, type Rng, uniform } from './inputs.js';

const { cases, add } = caseList();

// --- rope: head dims of Qwen/Llama (64) and Gemma (256), partial rotary, inverse, in place ----------------------
const tables = new Map<number, { cos: Float32Array; sin: Float32Array }>();
const tablesFor = (rotaryDim: number) =>
  tables.get(rotaryDim) ??
  tables.set(rotaryDim, ropeTables({ positions: 1031, rotaryDim, theta: 1e6 })).get(rotaryDim)!;
for (const [tokens, heads, headDim, rotaryDim] of [
  [1, 1, 2, 2],
  [7, 3, 16, 16],
  [17, 14, 64, 64],
  [33, 2, 256, 256],
  [5, 3, 10, 6],
] as const) {
  for (const mode of ['forward', 'inverse', 'in place'] as const) {
    add('rope', `${tokens}×${heads}×${headDim} rotary ${rotaryDim} ${mode}`, (rng) => {
      const x = normal(rng, tokens * heads * headDim);
      const out = mode === 'in place' ? x : poisoned(x.length);
      return {
        x,
        out,
        tokens,
        heads,
        headDim,
        rotaryDim,
        positions: ints(rng, tokens, 1031),
        ...tablesFor(rotaryDim),
        inverse: mode === 'inverse',
      };
    });
  }
}

// --- activations ----------------------------------------------------------------------------------------------
const activationInput = (rng: Rng, n: number) => {
  const x = normal(rng, n, 3);
  [-20, -8, -4.5, 0, 4.5, 20].slice(0, n).forEach((v, i) => {
    x[(i * 7919) % n] = v; // the tails and the cancelling region of gelu
  });
  return x;
};
for (const n of [1, 7, 1031, 58241]) {
  for (const name of ['silu', 'geluTanh'] as const) {
    add(name, `n ${n}`, (rng) => ({ x: activationInput(rng, n), out: poisoned(n), n }));
    add(`${name}Backward`, `n ${n}`, (rng) => ({
      x: activationInput(rng, n),
      dout: normal(rng, n),
      dx: poisoned(n),
      n,
    }));
  }
}

// --- embedding ----------------------------------------------------------------------------------------------------
for (const [vocab, dim, tokens, distinct] of [
  [1, 1, 1, 1],
  [33, 7, 17, 33],
  [1031, 65, 127, 1031],
  [1031, 65, 127, 3],
] as const) {
  const label = `V ${vocab} C ${dim} T ${tokens}${distinct < vocab ? ` (ids from ${distinct} rows)` : ''}`;
  add('embedding', label, (rng) => ({
    ids: ints(rng, tokens, distinct),
    table: normal(rng, vocab * dim),
    out: poisoned(tokens * dim),
    tokens,
    dim,
  }));
  add('embeddingBackward', label, (rng) => ({
    ids: ints(rng, tokens, distinct),
    dout: normal(rng, tokens * dim),
    dtableAccumulate: normal(rng, vocab * dim),
    tokens,
    dim,
  }));
}

// --- adamw: first step with weight decay, a later step without ----------------------------------------------------
for (const n of [1, 7, 1031, 65539]) {
  for (const [step, lr, beta2, eps, weightDecay] of [
    [1, 1e-3, 0.999, 1e-8, 0.01],
    [10, 2e-4, 0.95, 1e-6, 0],
  ] as const) {
    add('adamw', `n ${n} step ${step} weight decay ${weightDecay}`, (rng) => ({
      param: normal(rng, n, 0.02),
      grad: normal(rng, n, 0.01),
      m: normal(rng, n, 0.01),
      v: uniform(rng, n, 0, 1e-4),
      step,
      lr,
      beta1: 0.9,
      beta2,
      eps,
      weightDecay,
      n,
    }));
  }
}

// --- sgd: plain steps, with weight decay, and the clip factor (torch.optim.SGD, momentum 0) ----------------------
for (const n of [1, 7, 1031, 65539]) {
  for (const [lr, weightDecay] of [
    [0.1, 0],
    [1e-3, 0.01],
  ] as const) {
    add('sgd', `n ${n} lr ${lr} weight decay ${weightDecay}`, (rng) => ({
      param: normal(rng, n, 0.02),
      grad: normal(rng, n, 0.01),
      lr,
      weightDecay,
      n,
    }));
  }
}
for (const [label, scale] of [
  ['clip factor 0.25', 0.25],
  ['non-finite factor skips the update', Number.NaN],
] as const) {
  add('sgd', `n 1031 gradScale: ${label}`, (rng) => ({
    param: normal(rng, 1031, 0.02),
    grad: normal(rng, 1031, 0.01),
    lr: 0.05,
    weightDecay: 0.1,
    n: 1031,
    gradScale: Float32Array.from([scale]),
  }));
}

// --- adamw8bit: bitsandbytes' blockwise 8-bit state, fresh and after two steps, the clip factor, bad gradients ------
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

export const ELEMENTWISE_CASES: readonly KernelCase[] = cases;

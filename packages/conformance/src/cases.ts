// The conformance cases: every kernel at tiny, odd (not multiples of 4/8), model-sized and >1000 shapes.
import {
  KERNEL_NAMES,
  type KernelName,
  type KernelSignatures,
  referenceKernels as ref,
  ropeTables,
} from '@lora/core';
import { ints, normal, poisoned, type Rng, rngFor, uniform } from './inputs.js';
import {
  DEGENERATE_NORM_DX,
  type GemmKernel,
  gemmTolerance,
  type KernelTolerance,
  OUTPUT_TOLERANCES,
} from './tolerances.js';

type Args<K extends KernelName> = Parameters<KernelSignatures[K]>[0];

export interface ConformanceCase {
  kernel: KernelName;
  name: string;
  /** fresh, seeded arguments on every call */
  args: () => Record<string, unknown>;
  /** the arguments the kernel writes, with their tolerance (an absent optional argument is skipped) */
  tolerances: Record<string, KernelTolerance>;
}

const cases: ConformanceCase[] = [];

function add<K extends KernelName>(
  kernel: K,
  name: string,
  build: (rng: Rng) => Args<K>,
  tolerances?: Record<string, KernelTolerance>,
): void {
  const tol = tolerances ?? OUTPUT_TOLERANCES[kernel as Exclude<KernelName, GemmKernel>];
  cases.push({
    kernel,
    name,
    args: () => build(rngFor(`${kernel} ${name}`)) as unknown as Record<string, unknown>,
    tolerances: tol,
  });
}

// --- matmul, batchedMatmul: every layout, accumulate and alpha, LoRA-skinny and one >1000 case --------------
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
gemm(' (>1000 in every dim, Linear layout)', LAYOUTS[1], 1031, 1029, 1027);
gemm(' attention q·kᵀ, alpha 1/8', LAYOUTS[1], 65, 65, 64, { alpha: 0.125 }, 14);
gemm(' attention p·v', LAYOUTS[0], 65, 64, 65, {}, 14);
gemm(' accumulate, alpha 0.5', LAYOUTS[2], 17, 33, 7, { accumulate: true, alpha: 0.5 }, 2);

// --- softmax ------------------------------------------------------------------------------------------------
const ROWS_COLS = [
  [1, 1],
  [3, 7],
  [17, 33],
  [65, 127],
  [33, 1031],
] as const;
for (const [rows, cols] of ROWS_COLS) {
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
add('softmax', '17×17 causal mask (−Infinity above the diagonal)', (rng) => {
  const x = normal(rng, 17 * 17, 3);
  for (let r = 0; r < 17; r++) x.fill(Number.NEGATIVE_INFINITY, r * 17 + r + 1, (r + 1) * 17);
  return { x, out: poisoned(17 * 17), rows: 17, cols: 17 };
});

// --- rmsnorm, layernorm: forward, and backward from the reference forward's statistics -----------------------
for (const [rows, cols, weightOffset] of [
  [1, 1, 0],
  [3, 7, 0],
  [17, 65, 0],
  [33, 896, 0],
  [7, 1031, 0],
  [3, 7, 1],
  [17, 65, 1],
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
        const dweightAccumulate = withDweight ? normal(rng, cols) : undefined;
        return {
          dout: normal(rng, rows * cols),
          x: f.x,
          weight: f.weight,
          rstd: f.rstd,
          dx: poisoned(rows * cols),
          dweightAccumulate,
          rows,
          cols,
          weightOffset,
        };
      },
      cols === 1 ? { ...OUTPUT_TOLERANCES.rmsnormBackward, dx: DEGENERATE_NORM_DX } : undefined,
    );
  }
}
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
  add(
    'layernormBackward',
    `${rows}×${cols}`,
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
        dweightAccumulate: normal(rng, cols),
        dbiasAccumulate: normal(rng, cols),
        rows,
        cols,
      };
    },
    cols === 2 ? { ...OUTPUT_TOLERANCES.layernormBackward, dx: DEGENERATE_NORM_DX } : undefined,
  );
}

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

// --- cross-entropy chunks: first chunk, later chunk with running state, masked vocab -----------------------------
function targetsFor(rng: Rng, rows: number, vocabStart: number, cols: number): Int32Array {
  // in this chunk, in another chunk, or ignored
  return Int32Array.from(
    { length: rows },
    (_, r) => [vocabStart + rng.int(cols), vocabStart + cols + rng.int(100), -100][r % 3]!,
  );
}
for (const [rows, cols, vocabStart, first] of [
  [1, 1, 0, true],
  [7, 33, 0, true],
  [17, 1031, 2048, false],
  [5, 127, 151552, false],
] as const) {
  add('crossEntropyChunk', `${rows}×${cols} at ${vocabStart}${first ? ' (first chunk)' : ''}`, (rng) => ({
    logits: normal(rng, rows * cols, 3),
    rows,
    cols,
    vocabStart,
    targets: targetsFor(rng, rows, vocabStart, cols),
    runningMax: first ? new Float32Array(rows).fill(Number.NEGATIVE_INFINITY) : normal(rng, rows, 2, 4),
    runningSum: first ? new Float32Array(rows) : uniform(rng, rows, 1, 50),
    targetLogit: new Float32Array(rows).fill(-7), // left as is where the target is elsewhere
  }));
  add('crossEntropyChunkBackward', `${rows}×${cols} at ${vocabStart}`, (rng) => {
    const logits = normal(rng, rows * cols, 3);
    const targets = targetsFor(rng, rows, vocabStart, cols);
    const lse = Float32Array.from({ length: rows }, (_, r) => {
      const row = logits.subarray(r * cols, (r + 1) * cols);
      const max = row.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
      return max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + (first ? 0 : rng.uniform(0, 3)); // + mass of other chunks
    });
    const counted = targets.filter((t) => t >= 0).length;
    const rowScale = Float32Array.from(targets, (t) => (t >= 0 ? 1 / counted : 0));
    return { logits, rows, cols, vocabStart, targets, lse, rowScale, dlogits: poisoned(rows * cols) };
  });
}
add('crossEntropyChunk', '9×65 with masked (−Infinity) columns', (rng) => {
  const logits = normal(rng, 9 * 65, 3);
  for (let r = 0; r < 9; r++) logits.fill(Number.NEGATIVE_INFINITY, r * 65 + 20, r * 65 + 40);
  return {
    logits,
    rows: 9,
    cols: 65,
    vocabStart: 65,
    targets: targetsFor(rng, 9, 65, 65),
    runningMax: normal(rng, 9, 1, 3),
    runningSum: uniform(rng, 9, 1, 5),
    targetLogit: new Float32Array(9).fill(-7),
  };
});

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

// --- nf4Matmul: both modes, odd sizes, a ragged last block, blocksize 64 and 128, accumulate, LoRA/Qwen sizes ------
function nf4(
  m: number,
  n: number,
  k: number,
  blocksize: number,
  mode: 'forward' | 'inputGrad',
  accumulate = false,
) {
  const outSize = m * (mode === 'forward' ? n : k);
  const name = `${mode} ${m}×${n}×${k} blocksize ${blocksize}${accumulate ? ' accumulate' : ''}`;
  // weights code · absmax reach |2|: products of std ≈ 0.4, so σ = 1 is a safe bound for gemmTolerance
  const reduction = mode === 'forward' ? k : n;
  add(
    'nf4Matmul',
    name,
    (rng) => ({
      x: uniform(rng, m * (mode === 'forward' ? k : n)),
      packed: Uint8Array.from({ length: Math.ceil((n * k) / 2) }, () => rng.int(256)),
      absmax: uniform(rng, Math.ceil((n * k) / blocksize), 0.05, 2),
      code: uniform(rng, 16),
      blocksize,
      out: accumulate ? uniform(rng, outSize) : poisoned(outSize),
      m,
      n,
      k,
      mode,
      accumulate,
    }),
    gemmTolerance(reduction, 1, 1),
  );
}
for (const mode of ['forward', 'inputGrad'] as const) {
  for (const [m, n, k, blocksize] of [
    [1, 1, 1, 64],
    [1, 7, 3, 64],
    [3, 5, 9, 64], // N·K odd: a half-used last byte
    [5, 17, 33, 64], // ragged last block
    [17, 33, 65, 128],
    [33, 65, 127, 64],
    [65, 31, 200, 128],
    [1, 896, 896, 64], // single-token matvec, Qwen2.5-0.5B hidden
    [9, 130, 258, 64],
  ] as const)
    nf4(m, n, k, blocksize, mode);
  nf4(7, 33, 65, 64, mode, true);
  nf4(17, 9, 129, 128, mode, true);
}

export const CASES: readonly ConformanceCase[] = cases;

/** The cases of one kernel (every kernel in KERNEL_NAMES has some). */
export function casesFor(kernel: KernelName): ConformanceCase[] {
  return cases.filter((c) => c.kernel === kernel);
}

export const KERNELS_WITHOUT_CASES: readonly KernelName[] = KERNEL_NAMES.filter(
  (k) => casesFor(k).length === 0,
);

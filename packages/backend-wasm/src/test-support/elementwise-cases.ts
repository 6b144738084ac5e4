// Seeded cases for the elementwise kernel tests: odd sizes (not multiples of 4), rows over 1000 columns, the
// activation tails, masked (−Infinity) logits and ignored targets; with each output's tolerance against the
// float64 reference (the conformance suite's, see packages/conformance/src/tolerances.ts).
import { referenceKernels as ref, ropeTables } from '@lora/core';
import type { makeRng } from '@lora/testing';
import type { ElementwiseKernelName } from '../elementwise-register.js';

/** |actual − expected| ≤ rtol·|expected| + atolOfMax·max|expected| + atol */
export interface CaseTolerance {
  rtol: number;
  atolOfMax?: number;
  atol?: number;
}

type Rng = ReturnType<typeof makeRng>;

export interface ElementwiseCase {
  kernel: ElementwiseKernelName;
  name: string;
  /** the wasm job runs only when this operand lives in wasm memory (elsewhere it is not staged) */
  residentOnly?: string;
  args: (rng: Rng) => Record<string, unknown>;
  outputs: Record<string, CaseTolerance>;
}

const normal = (rng: Rng, n: number, scale = 1, shift = 0) =>
  Float32Array.from({ length: n }, () => shift + scale * rng.normal());
const uniform = (rng: Rng, n: number, lo: number, hi: number) =>
  Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
const poisoned = (n: number) => new Float32Array(n).fill(Number.NaN);

const REDUCTION: CaseTolerance = { rtol: 2e-5, atolOfMax: 2e-5 };
const ACTIVATION: CaseTolerance = { rtol: 1e-5, atol: 1e-6 };
const TAILS = [-100, -20, -8, -4.5, -1.2785, 0, 4.5, 20, 100];

export const CASES: ElementwiseCase[] = [];

for (const n of [1, 7, 1031, 4099]) {
  const x = (rng: Rng) => {
    const v = normal(rng, n, 3);
    TAILS.slice(0, n).forEach((t, i) => {
      v[(i * 7919) % n] = t;
    });
    return v;
  };
  for (const kernel of ['silu', 'geluTanh'] as const) {
    CASES.push({
      kernel,
      name: `n ${n}`,
      args: (rng) => ({ x: x(rng), out: poisoned(n), n }),
      outputs: { out: ACTIVATION },
    });
    CASES.push({
      kernel: `${kernel}Backward`,
      name: `n ${n}`,
      args: (rng) => ({ x: x(rng), dout: normal(rng, n), dx: poisoned(n), n }),
      outputs: { dx: ACTIVATION },
    });
  }
}

for (const [rows, cols] of [
  [1, 1],
  [3, 7],
  [37, 129],
  [5, 1031],
] as const) {
  CASES.push({
    kernel: 'softmax',
    name: `${rows}×${cols}`,
    args: (rng) => ({ x: normal(rng, rows * cols, 3), out: poisoned(rows * cols), rows, cols }),
    outputs: { out: { rtol: 2e-5, atol: 1e-30 } },
  });
  CASES.push({
    kernel: 'softmaxBackward',
    name: `${rows}×${cols}`,
    args: (rng) => {
      const y = new Float32Array(rows * cols);
      ref.softmax({ x: normal(rng, rows * cols, 3), out: y, rows, cols });
      return { y, dy: normal(rng, rows * cols), dx: poisoned(rows * cols), rows, cols };
    },
    outputs: { dx: REDUCTION },
  });
}
CASES.push({
  kernel: 'softmax',
  name: '19×19 causal mask (−Infinity above the diagonal)',
  args: (rng) => {
    const x = normal(rng, 19 * 19, 3);
    for (let r = 0; r < 19; r++) x.fill(Number.NEGATIVE_INFINITY, r * 19 + r + 1, (r + 1) * 19);
    return { x, out: poisoned(19 * 19), rows: 19, cols: 19 };
  },
  outputs: { out: { rtol: 2e-5, atol: 1e-30 } },
});

for (const [rows, cols, weightOffset] of [
  [1, 1, 0],
  [3, 7, 0],
  [33, 514, 0],
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
  const name = `${rows}×${cols} weightOffset ${weightOffset}`;
  CASES.push({ kernel: 'rmsnorm', name, args: forward, outputs: { out: REDUCTION, rstd: { rtol: 2e-5 } } });
  for (const withDweight of [true, false]) {
    CASES.push({
      kernel: 'rmsnormBackward',
      name: `${name}${withDweight ? ' (dweight accumulated)' : ' (dx only)'}`,
      args: (rng) => {
        const f = forward(rng);
        ref.rmsnorm(f);
        const dweightAccumulate = withDweight ? normal(rng, cols) : undefined;
        const { x, weight, rstd } = f;
        return {
          dout: normal(rng, rows * cols),
          x,
          weight,
          rstd,
          dx: poisoned(rows * cols),
          dweightAccumulate,
          rows,
          cols,
          weightOffset,
        };
      },
      // C = 1 normalizes every row to ±1: dx is then rounding noise on terms of size ≈ 1
      outputs: { dx: cols === 1 ? { rtol: 2e-5, atol: 1e-6 } : REDUCTION, dweightAccumulate: REDUCTION },
    });
  }
}

/** in this chunk, in a later chunk, or ignored (−100) */
const targetsFor = (rng: Rng, rows: number, vocabStart: number, cols: number) =>
  Int32Array.from(
    { length: rows },
    (_, r) => [vocabStart + rng.int(cols), vocabStart + cols + rng.int(100), -100][r % 3]!,
  );

for (const [rows, cols, vocabStart, first] of [
  [1, 1, 0, true],
  [7, 33, 0, true],
  [17, 1031, 2048, false],
  [5, 4099, 151552, false],
] as const) {
  CASES.push({
    kernel: 'crossEntropyChunk',
    name: `${rows}×${cols} at ${vocabStart}${first ? ' (first chunk)' : ''}`,
    args: (rng) => ({
      logits: normal(rng, rows * cols, 3),
      rows,
      cols,
      vocabStart,
      targets: targetsFor(rng, rows, vocabStart, cols),
      runningMax: first ? new Float32Array(rows).fill(Number.NEGATIVE_INFINITY) : normal(rng, rows, 2, 4),
      runningSum: first ? new Float32Array(rows) : uniform(rng, rows, 1, 50),
      targetLogit: new Float32Array(rows).fill(-7), // left as is where the target is elsewhere
    }),
    outputs: { runningMax: { rtol: 0 }, targetLogit: { rtol: 0 }, runningSum: { rtol: 2e-5 } },
  });
  CASES.push({
    kernel: 'crossEntropyChunkBackward',
    name: `${rows}×${cols} at ${vocabStart}`,
    args: (rng) => {
      const logits = normal(rng, rows * cols, 3);
      const lse = Float32Array.from({ length: rows }, (_, r) => {
        const row = logits.subarray(r * cols, (r + 1) * cols);
        const max = row.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
        return (
          max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + (first ? 0 : rng.uniform(0, 3))
        );
      });
      const targets = targetsFor(rng, rows, vocabStart, cols);
      const rowScale = Float32Array.from(targets, (t) => (t >= 0 ? 0.25 : 0));
      return { logits, rows, cols, vocabStart, targets, lse, rowScale, dlogits: poisoned(rows * cols) };
    },
    outputs: { dlogits: { rtol: 1e-5, atolOfMax: 1e-6 } },
  });
}
CASES.push({
  kernel: 'crossEntropyChunk',
  name: '9×65 with masked (−Infinity) columns, one row fully masked',
  args: (rng) => {
    const logits = normal(rng, 9 * 65, 3);
    for (let r = 0; r < 9; r++) logits.fill(Number.NEGATIVE_INFINITY, r * 65 + 20, r * 65 + 40);
    logits.fill(Number.NEGATIVE_INFINITY, 4 * 65, 5 * 65);
    const runningMax = normal(rng, 9, 1, 3);
    runningMax[4] = Number.NEGATIVE_INFINITY; // nothing seen yet and nothing here: the state stays as it is
    return {
      logits,
      rows: 9,
      cols: 65,
      vocabStart: 65,
      targets: targetsFor(rng, 9, 65, 65),
      runningMax,
      runningSum: uniform(rng, 9, 1, 5),
      targetLogit: new Float32Array(9).fill(-7),
    };
  },
  outputs: { runningMax: { rtol: 0 }, targetLogit: { rtol: 0 }, runningSum: { rtol: 2e-5 } },
});

for (const [rows, cols] of [
  [1, 2],
  [3, 7],
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
  CASES.push({
    kernel: 'layernorm',
    name: `${rows}×${cols}`,
    args: forward,
    outputs: { out: REDUCTION, mean: { rtol: 2e-5, atol: 1e-6 }, rstd: { rtol: 2e-5 } },
  });
  for (const accumulate of ['dweight and dbias', 'dbias only', 'dx only'] as const) {
    CASES.push({
      kernel: 'layernormBackward',
      name: `${rows}×${cols} (${accumulate})`,
      args: (rng) => {
        const f = forward(rng);
        ref.layernorm(f);
        const { x, weight, mean, rstd } = f;
        return {
          dout: normal(rng, rows * cols),
          x,
          weight,
          mean,
          rstd,
          dx: poisoned(rows * cols),
          dweightAccumulate: accumulate === 'dweight and dbias' ? normal(rng, cols) : undefined,
          dbiasAccumulate: accumulate === 'dx only' ? undefined : normal(rng, cols),
          rows,
          cols,
        };
      },
      // C = 2 normalizes every row to ±1: dx is rounding noise on terms of size ≈ 1
      outputs: {
        dx: cols === 2 ? { rtol: 2e-5, atol: 1e-6 } : REDUCTION,
        dweightAccumulate: REDUCTION,
        dbiasAccumulate: REDUCTION,
      },
    });
  }
}

const EPS32 = 2 ** -23;
for (const [tokens, heads, headDim, rotaryDim] of [
  [1, 1, 2, 2],
  [7, 3, 16, 16],
  [17, 14, 64, 64],
  [5, 3, 10, 6],
  [3, 2, 22, 14],
] as const) {
  const tables = ropeTables({ positions: 1031, rotaryDim, theta: 1e6 });
  for (const mode of ['forward', 'inverse', 'in place'] as const) {
    CASES.push({
      kernel: 'rope',
      name: `${tokens}×${heads}×${headDim} rotary ${rotaryDim} ${mode}`,
      args: (rng) => {
        const x = normal(rng, tokens * heads * headDim);
        return {
          x,
          out: mode === 'in place' ? x : poisoned(x.length),
          tokens,
          heads,
          headDim,
          rotaryDim,
          positions: Int32Array.from({ length: tokens }, () => rng.int(1031)),
          ...tables,
          inverse: mode === 'inverse',
        };
      },
      outputs: { out: { rtol: 4 * EPS32, atolOfMax: 4 * EPS32 } },
    });
  }
}

for (const [vocab, dim, tokens, distinct] of [
  [1, 1, 1, 1],
  [33, 7, 17, 33],
  [1031, 65, 127, 3],
] as const) {
  const ids = (rng: Rng) => Int32Array.from({ length: tokens }, () => rng.int(distinct));
  const name = `V ${vocab} C ${dim} T ${tokens} (ids from ${distinct} rows)`;
  CASES.push({
    kernel: 'embedding',
    name,
    residentOnly: 'table',
    args: (rng) => ({
      ids: ids(rng),
      table: normal(rng, vocab * dim),
      out: poisoned(tokens * dim),
      tokens,
      dim,
    }),
    outputs: { out: { rtol: 0 } },
  });
  CASES.push({
    kernel: 'embeddingBackward',
    name,
    residentOnly: 'dtableAccumulate',
    args: (rng) => ({
      ids: ids(rng),
      dout: normal(rng, tokens * dim),
      dtableAccumulate: normal(rng, vocab * dim),
      tokens,
      dim,
    }),
    outputs: { dtableAccumulate: { rtol: 0 } }, // the same float32 additions in the same order
  });
}

for (const n of [1, 7, 1031, 4099]) {
  for (const [step, lr, beta2, eps, weightDecay] of [
    [1, 1e-3, 0.999, 1e-8, 0.01],
    [10, 2e-4, 0.95, 1e-6, 0],
  ] as const) {
    CASES.push({
      kernel: 'adamw',
      name: `n ${n} step ${step} weight decay ${weightDecay}`,
      args: (rng) => ({
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
      }),
      outputs: { param: { rtol: 0 }, m: { rtol: 0 }, v: { rtol: 0 } }, // float64 like the reference, bit for bit
    });
  }
}

// Every reference kernel on float32 data against PyTorch float32 + autograd (fixtures/kernels-torch.py writes the JSON).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { ropeTables } from '../../rope-tables.js';
import { geluTanh, geluTanhBackward, silu, siluBackward } from './activations.js';
import { adamw } from './adamw.js';
import { crossEntropyChunk, crossEntropyChunkBackward } from './cross-entropy.js';
import { embedding, embeddingBackward } from './embedding.js';
import { layernorm, layernormBackward } from './layernorm.js';
import { matmul } from './matmul.js';
import { rmsnorm, rmsnormBackward } from './rmsnorm.js';
import { rope } from './rope.js';
import { softmax, softmaxBackward } from './softmax.js';

type Nums = number[];
interface Golden {
  torch: string;
  matmul: {
    m: number;
    n: number;
    k: number;
    transA: boolean;
    transB: boolean;
    alpha: number;
    accumulate: boolean;
    a: Nums;
    b: Nums;
    out0: Nums;
    out: Nums;
  }[];
  softmax: { rows: number; cols: number; x: Nums; dy: Nums; y: Nums; dx: Nums };
  rmsnorm: {
    rows: number;
    cols: number;
    eps: number;
    weightOffset: number;
    x: Nums;
    weight: Nums;
    out: Nums;
    rstd: Nums;
    dout: Nums;
    dx: Nums;
    dweight: Nums;
  }[];
  layernorm: {
    rows: number;
    cols: number;
    eps: number;
    x: Nums;
    weight: Nums;
    bias: Nums;
    out: Nums;
    mean: Nums;
    rstd: Nums;
    dout: Nums;
    dx: Nums;
    dweight: Nums;
    dbias: Nums;
  };
  rope: {
    tokens: number;
    heads: number;
    headDim: number;
    rotaryDim: number;
    theta: number;
    tablePositions: number;
    positions: Nums;
    cos: Nums;
    sin: Nums;
    x: Nums;
    out: Nums;
    dout: Nums;
    dx: Nums;
  };
  ropeTables: { theta: number; rotaryDim: number; positions: Nums; cos: Nums; sin: Nums }[];
  activations: Record<'silu' | 'geluTanh', { n: number; x: Nums; out: Nums; dout: Nums; dx: Nums }>;
  crossEntropy: {
    rows: number;
    vocab: number;
    logits: Nums;
    targets: Nums;
    loss: number;
    lse: Nums;
    dlogits: Nums;
  };
  embedding: {
    vocab: number;
    dim: number;
    tokens: number;
    ids: Nums;
    table: Nums;
    out: Nums;
    dout: Nums;
    dtable: Nums;
  };
  adamw: {
    n: number;
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    param0: Nums;
    steps: { grad: Nums; param: Nums; m: Nums; v: Nums }[];
  }[];
}

const here = dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(readFileSync(join(here, '../../../fixtures/kernels-torch.json'), 'utf8')) as Golden;
const f32 = (values: Nums): Float32Array => Float32Array.from(values);
// torch and the reference both round each float32 result; they differ only in summation order and
// intermediate rounding (torch rounds every op to float32), so a few float32 ulps: rtol 1e-5, atol 1e-6.
const TOL = { rtol: 1e-5, atol: 1e-6 };

describe(`reference kernels against PyTorch ${golden.torch}`, () => {
  test.each(golden.matmul)(
    'matmul transA $transA transB $transB alpha $alpha accumulate $accumulate',
    (c) => {
      const out = f32(c.out0);
      matmul({ ...c, a: f32(c.a), b: f32(c.b), out });
      expectClose(out, c.out, TOL, 'out');
    },
  );

  test('softmax and its backward', () => {
    const { rows, cols, ...g } = golden.softmax;
    const y = new Float32Array(rows * cols);
    const dx = new Float32Array(rows * cols);
    softmax({ x: f32(g.x), out: y, rows, cols });
    softmaxBackward({ y, dy: f32(g.dy), dx, rows, cols });
    expectClose(y, g.y, TOL, 'y');
    expectClose(dx, g.dx, TOL, 'dx');
  });

  test.each(golden.rmsnorm)('rmsnorm (weightOffset $weightOffset) and its backward', (g) => {
    const { rows, cols, eps, weightOffset } = g;
    const [out, rstd, dx, dweight] = [
      new Float32Array(rows * cols),
      new Float32Array(rows),
      new Float32Array(rows * cols),
      new Float32Array(cols),
    ];
    rmsnorm({ x: f32(g.x), weight: f32(g.weight), out, rstd, rows, cols, eps, weightOffset });
    rmsnormBackward({
      dout: f32(g.dout),
      x: f32(g.x),
      weight: f32(g.weight),
      rstd,
      dx,
      dweightAccumulate: dweight,
      rows,
      cols,
      weightOffset,
    });
    expectClose(out, g.out, TOL, 'out');
    expectClose(rstd, g.rstd, TOL, 'rstd');
    expectClose(dx, g.dx, TOL, 'dx');
    expectClose(dweight, g.dweight, TOL, 'dweight');
  });

  test('layernorm and its backward', () => {
    const g = golden.layernorm;
    const { rows, cols, eps } = g;
    const [out, mean, rstd, dx] = [
      new Float32Array(rows * cols),
      new Float32Array(rows),
      new Float32Array(rows),
      new Float32Array(rows * cols),
    ];
    const [dweight, dbias] = [new Float32Array(cols), new Float32Array(cols)];
    layernorm({ x: f32(g.x), weight: f32(g.weight), bias: f32(g.bias), out, mean, rstd, rows, cols, eps });
    layernormBackward({
      dout: f32(g.dout),
      x: f32(g.x),
      weight: f32(g.weight),
      mean,
      rstd,
      dx,
      dweightAccumulate: dweight,
      dbiasAccumulate: dbias,
      rows,
      cols,
    });
    for (const [label, actual, expected] of [
      ['out', out, g.out],
      ['mean', mean, g.mean],
      ['rstd', rstd, g.rstd],
      ['dx', dx, g.dx],
      ['dweight', dweight, g.dweight],
      ['dbias', dbias, g.dbias],
    ] as const) {
      expectClose(actual, expected, TOL, label);
    }
  });

  test('rope (rotate_half) with ropeTables, and its backward as the inverse rotation', () => {
    const g = golden.rope;
    const tables = ropeTables({ positions: g.tablePositions, rotaryDim: g.rotaryDim, theta: g.theta });
    expectClose(tables.cos, g.cos, { rtol: 0, atol: 1e-7 }, 'cos table');
    expectClose(tables.sin, g.sin, { rtol: 0, atol: 1e-7 }, 'sin table');
    const args = {
      tokens: g.tokens,
      heads: g.heads,
      headDim: g.headDim,
      rotaryDim: g.rotaryDim,
      positions: Int32Array.from(g.positions),
      ...tables,
    };
    const out = new Float32Array(g.out.length);
    const dx = new Float32Array(g.dx.length);
    rope({ ...args, x: f32(g.x), out });
    rope({ ...args, x: f32(g.dout), out: dx, inverse: true });
    expectClose(out, g.out, TOL, 'out');
    expectClose(dx, g.dx, TOL, 'dx');
  });

  // Angles are rounded to float32 as transformers does: at position 32767 float64 angles would put cos off by ~4e-4,
  // while the emulated float32 steps land within 1 float32 ulp of torch's tables.
  test.each(golden.ropeTables)('ropeTables theta $theta, rotaryDim $rotaryDim at far positions', (g) => {
    const half = g.rotaryDim / 2;
    const tables = ropeTables({
      positions: Math.max(...g.positions) + 1,
      rotaryDim: g.rotaryDim,
      theta: g.theta,
    });
    const pick = (t: Float32Array) =>
      g.positions.flatMap((p) => Array.from(t.subarray(p * half, (p + 1) * half)));
    expectClose(pick(tables.cos), g.cos, { rtol: 0, atol: 2e-7 }, 'cos');
    expectClose(pick(tables.sin), g.sin, { rtol: 0, atol: 2e-7 }, 'sin');
  });

  test.each([
    ['silu', silu, siluBackward],
    ['geluTanh', geluTanh, geluTanhBackward],
  ] as const)('%s and its backward', (name, forward, backward) => {
    const g = golden.activations[name];
    const [out, dx] = [new Float32Array(g.n), new Float32Array(g.n)];
    forward({ x: f32(g.x), out, n: g.n });
    backward({ x: f32(g.x), dout: f32(g.dout), dx, n: g.n });
    expectClose(out, g.out, TOL, 'out');
    expectClose(dx, g.dx, TOL, 'dx');
  });

  test('cross-entropy over two vocab chunks equals F.cross_entropy (mean, ignore_index -100) and its gradient', () => {
    const g = golden.crossEntropy;
    const { rows, vocab } = g;
    const targets = Int32Array.from(g.targets);
    const counted = g.targets.filter((t) => t >= 0).length;
    const rowScale = Float32Array.from(g.targets, (t) => (t >= 0 ? 1 / counted : 0));
    const state = {
      runningMax: new Float32Array(rows).fill(Number.NEGATIVE_INFINITY),
      runningSum: new Float32Array(rows),
      targetLogit: new Float32Array(rows),
    };
    const split = [0, 6, vocab];
    const chunkOf = (start: number, end: number) =>
      Float32Array.from(
        { length: rows * (end - start) },
        (_, i) => g.logits[Math.floor(i / (end - start)) * vocab + start + (i % (end - start))]!,
      );
    for (let s = 0; s + 1 < split.length; s++) {
      const [start, end] = [split[s]!, split[s + 1]!];
      crossEntropyChunk({
        logits: chunkOf(start, end),
        rows,
        cols: end - start,
        vocabStart: start,
        targets,
        ...state,
      });
    }
    const lse = state.runningMax.map((m, r) => m + Math.log(state.runningSum[r]!));
    expectClose(lse, g.lse, TOL, 'lse');
    const loss = g.targets.reduce(
      (sum, t, r) => (t < 0 ? sum : sum + rowScale[r]! * (lse[r]! - state.targetLogit[r]!)),
      0,
    );
    expect(loss).toBeCloseTo(g.loss, 5);
    const dlogits = new Float32Array(rows * vocab);
    for (let s = 0; s + 1 < split.length; s++) {
      const [start, end] = [split[s]!, split[s + 1]!];
      const d = new Float32Array(rows * (end - start));
      crossEntropyChunkBackward({
        logits: chunkOf(start, end),
        rows,
        cols: end - start,
        vocabStart: start,
        targets,
        lse,
        rowScale,
        dlogits: d,
      });
      for (let r = 0; r < rows; r++)
        dlogits.set(d.subarray(r * (end - start), (r + 1) * (end - start)), r * vocab + start);
    }
    expectClose(dlogits, g.dlogits, TOL, 'dlogits');
  });

  test('embedding and its scatter-add backward with repeated ids', () => {
    const g = golden.embedding;
    const out = new Float32Array(g.tokens * g.dim);
    const dtable = new Float32Array(g.vocab * g.dim);
    embedding({ ids: Int32Array.from(g.ids), table: f32(g.table), out, tokens: g.tokens, dim: g.dim });
    embeddingBackward({
      ids: Int32Array.from(g.ids),
      dout: f32(g.dout),
      dtableAccumulate: dtable,
      tokens: g.tokens,
      dim: g.dim,
    });
    expect(Array.from(out)).toEqual(g.out.map(Math.fround)); // a gather is exact
    expectClose(dtable, g.dtable, TOL, 'dtable');
  });

  test.each(golden.adamw)(
    'three AdamW steps (lr $lr, betas $beta1/$beta2, eps $eps, weight decay $weightDecay)',
    (g) => {
      const param = f32(g.param0);
      const [m, v] = [new Float32Array(g.n), new Float32Array(g.n)];
      g.steps.forEach((s, i) => {
        adamw({ ...g, param, grad: f32(s.grad), m, v, step: i + 1 });
        expectClose(m, s.m, { rtol: 1e-6, atol: 1e-9 }, `m after step ${i + 1}`);
        expectClose(v, s.v, { rtol: 1e-6, atol: 1e-12 }, `v after step ${i + 1}`);
        expectClose(param, s.param, { rtol: 1e-6, atol: 1e-7 }, `param after step ${i + 1}`);
      });
    },
  );
});

import { KernelArgumentError, type KernelCase, referenceKernels } from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ELEMENTWISE_KERNELS, type ElementwiseKernelName } from './elementwise-register.js';
import { ElementwiseRunner } from './elementwise-run.js';
import { WasmGemmEngine } from './engine.js';
import { caseRows, expectOutputs } from './test-support/catalogue.js';
import { residentCopy } from './test-support/resident-copy.js';

type Args = Record<string, unknown>;

/** The kernels of the layers (the per-step ones are elementwise-step.test.ts's). */
const LAYER_KERNELS = [
  'softmax',
  'softmaxBackward',
  'rmsnorm',
  'rmsnormBackward',
  'silu',
  'siluBackward',
  'geluTanh',
  'geluTanhBackward',
  'softcap',
  'softcapBackward',
  'crossEntropyChunk',
  'crossEntropyChunkBackward',
  'layernorm',
  'layernormBackward',
  'rope',
  'embedding',
  'embeddingBackward',
  'adamw',
] as const satisfies readonly ElementwiseKernelName[];

/** The operand whose kernel runs its job only when it lives in wasm memory (elsewhere it is not staged). */
const RESIDENT_ONLY: Partial<Record<ElementwiseKernelName, string>> = {
  embedding: 'table',
  embeddingBackward: 'dtableAccumulate',
};

function runWasm(runner: ElementwiseRunner, c: KernelCase, args: Args): void {
  (
    ELEMENTWISE_KERNELS[c.kernel as ElementwiseKernelName] as unknown as (
      r: ElementwiseRunner,
      a: Args,
    ) => void
  )(runner, args);
}

describe('elementwise kernels on the core catalogue against the reference, on 1 and 2 threads, staged and resident', () => {
  let one: WasmGemmEngine;
  let two: WasmGemmEngine;
  let single: ElementwiseRunner;
  let threaded: ElementwiseRunner;
  beforeAll(async () => {
    one = await WasmGemmEngine.create({ threads: 1 });
    two = await WasmGemmEngine.create({ threads: 2 });
    await two.startThreads();
    single = new ElementwiseRunner(one);
    threaded = new ElementwiseRunner(two, 0); // every call that can split does
  });
  afterAll(async () => {
    await one.dispose();
    await two.dispose();
  });

  test.each(caseRows(LAYER_KERNELS))('%s', (_, c) => {
    const residentOnly = RESIDENT_ONLY[c.kernel as ElementwiseKernelName];
    const expected = c.args();
    (referenceKernels[c.kernel] as unknown as (a: Args) => void)(expected);

    const staged = c.args();
    // a non-finite clip factor skips the update: nothing to run
    const skipped = staged.gradScale instanceof Float32Array && !Number.isFinite(staged.gradScale[0]!);
    Object.assign(single.lastCall, { threads: 0, stagedBytes: 0 });
    runWasm(single, c, staged);
    // a large operand outside wasm memory is never staged: that case runs on this side without a job
    expect(single.lastCall.threads).toBe(residentOnly || skipped ? 0 : 1);
    if (!residentOnly && !skipped) expect(single.lastCall.stagedBytes).toBeGreaterThan(0);
    expectOutputs(c, staged, expected);

    // 2 threads: bit for bit what 1 thread gives
    const split = residentOnly ? residentCopy(two, c.args()).args : c.args();
    Object.assign(threaded.lastCall, { threads: 0, stagedBytes: 0 });
    runWasm(threaded, c, split);
    expect(threaded.lastCall.threads).toBe(skipped ? 0 : Math.min(2, unitsOf(c, split)));
    for (const key of Object.keys(c.tolerances)) expect(split[key], key).toEqual(staged[key]);

    // resident operands (wasm memory) are used in place: nothing staged, the same bits
    const resident = residentCopy(two, c.args());
    runWasm(threaded, c, resident.args);
    expect(threaded.lastCall.stagedBytes).toBe(0);
    for (const key of Object.keys(c.tolerances)) expect(resident.args[key], key).toEqual(staged[key]);
    resident.free();
  });
});

/** What a job splits into: rows or tokens, quads of elements, or quads of columns for column reductions. */
function unitsOf(c: KernelCase, a: Args): number {
  const quads = (v: unknown) => Math.ceil(Number(v) / 4);
  if (c.kernel === 'embeddingBackward') return quads(a.dim);
  if (c.kernel === 'rmsnormBackward' || c.kernel === 'layernormBackward') {
    const columns = a.dweightAccumulate || a.dbiasAccumulate;
    return columns ? Math.min(Number(a.rows), quads(a.cols)) : Number(a.rows);
  }
  return Number(a.rows ?? a.tokens ?? quads(a.n));
}

describe('elementwise kernels: semantics the comparison alone would not pin down', () => {
  let engine: WasmGemmEngine;
  let runner: ElementwiseRunner;
  beforeAll(async () => {
    engine = await WasmGemmEngine.create({ threads: 1 });
    runner = new ElementwiseRunner(engine);
  });
  afterAll(() => engine.dispose());

  test('crossEntropyChunkBackward: ignored rows (negative target) get 0, the target column gets p − 1', () => {
    const [rows, cols] = [3, 5];
    const logits = Float32Array.from({ length: rows * cols }, (_, i) => (i % 7) - 3);
    const dlogits = new Float32Array(rows * cols).fill(Number.NaN);
    const targets = Int32Array.of(-100, 12, 99); // ignored, column 2 of this chunk (vocabStart 10), elsewhere
    const lse = Float32Array.of(1, 2, 3);
    ELEMENTWISE_KERNELS.crossEntropyChunkBackward(runner, {
      logits,
      rows,
      cols,
      vocabStart: 10,
      targets,
      lse,
      rowScale: Float32Array.of(1, 0.5, 0.5),
      dlogits,
    });
    expect(Array.from(dlogits.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
    const p = (i: number, l: number) => Math.exp(logits[i]! - l);
    expectClose(
      dlogits.subarray(5, 10),
      [0, 1, 2, 3, 4].map((c) => (p(5 + c, 2) - (c === 2 ? 1 : 0)) * 0.5),
      { rtol: 1e-6, atol: 0 },
      'row 1',
    );
    expectClose(
      dlogits.subarray(10, 15),
      [0, 1, 2, 3, 4].map((c) => p(10 + c, 3) * 0.5),
      { rtol: 1e-6, atol: 0 },
      'row 2',
    );
  });

  test('crossEntropyChunk: the target logit is copied only when the target is in this chunk; chunks fold like one pass', () => {
    const rng = makeRng(5);
    const [rows, V, chunk] = [4, 1031, 300];
    const logits = Float32Array.from({ length: rows * V }, () => 4 * rng.normal());
    const targets = Int32Array.of(0, 1030, 512, -100);
    const state = () => ({
      runningMax: new Float32Array(rows).fill(Number.NEGATIVE_INFINITY),
      runningSum: new Float32Array(rows),
      targetLogit: new Float32Array(rows).fill(-7),
    });
    const whole = state();
    ELEMENTWISE_KERNELS.crossEntropyChunk(runner, {
      logits,
      rows,
      cols: V,
      vocabStart: 0,
      targets,
      ...whole,
    });
    const chunked = state();
    for (let v0 = 0; v0 < V; v0 += chunk) {
      const cols = Math.min(chunk, V - v0);
      const part = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) part.set(logits.subarray(r * V + v0, r * V + v0 + cols), r * cols);
      ELEMENTWISE_KERNELS.crossEntropyChunk(runner, {
        logits: part,
        rows,
        cols,
        vocabStart: v0,
        targets,
        ...chunked,
      });
    }
    expect(chunked.runningMax).toEqual(whole.runningMax);
    expect(Array.from(whole.targetLogit)).toEqual([logits[0], logits[V + 1030], logits[2 * V + 512], -7]);
    expect(chunked.targetLogit).toEqual(whole.targetLogit);
    const lse = (s: typeof whole) => Array.from(s.runningMax, (m, r) => m + Math.log(s.runningSum[r]!));
    expectClose(lse(chunked), lse(whole), { rtol: 1e-6, atol: 0 }, 'lse');
  });

  test('rmsnormBackward adds into dweightAccumulate (twice is two additions) and leaves it out when absent', () => {
    const rng = makeRng(9);
    const [rows, cols] = [5, 13];
    const x = Float32Array.from({ length: rows * cols }, () => rng.normal());
    const weight = Float32Array.from({ length: cols }, () => 1 + 0.1 * rng.normal());
    const rstd = new Float32Array(rows);
    ELEMENTWISE_KERNELS.rmsnorm(runner, {
      x,
      weight,
      out: new Float32Array(rows * cols),
      rstd,
      rows,
      cols,
      eps: 1e-6,
    });
    const dout = Float32Array.from({ length: rows * cols }, () => rng.normal());
    const dw = new Float32Array(cols);
    const call = (dweightAccumulate?: Float32Array) =>
      ELEMENTWISE_KERNELS.rmsnormBackward(runner, {
        dout,
        x,
        weight,
        rstd,
        dx: new Float32Array(rows * cols),
        dweightAccumulate,
        rows,
        cols,
      });
    call(dw);
    const once = Float32Array.from(dw);
    call(dw);
    expectClose(
      dw,
      Array.from(once, (v) => 2 * v),
      { rtol: 1e-6, atol: 1e-7 },
      'dweight after two calls',
    );
    expect(() => call(undefined)).not.toThrow();
  });

  test.each([
    ['softmax', { x: new Float32Array(6), out: new Float32Array(5), rows: 2, cols: 3 }],
    ['softmax', { x: new Float32Array(6), out: new Float32Array(6), rows: -1, cols: 3 }],
    [
      'rmsnorm',
      {
        x: new Float32Array(6),
        weight: new Float32Array(3),
        out: new Float32Array(6),
        rstd: new Float32Array(2),
        rows: 2,
        cols: 3,
        eps: Number.NaN,
      },
    ],
    [
      'rmsnormBackward',
      {
        dout: new Float32Array(6),
        x: new Float32Array(6),
        weight: new Float32Array(3),
        rstd: new Float32Array(1),
        dx: new Float32Array(6),
        rows: 2,
        cols: 3,
      },
    ],
    ['silu', { x: new Float32Array(3), out: new Float32Array(4), n: 4 }],
    ['siluBackward', { x: new Float32Array(4), dout: new Float32Array(4), dx: new Float32Array(4), n: 1.5 }],
    [
      'crossEntropyChunk',
      {
        logits: new Float32Array(6),
        rows: 2,
        cols: 3,
        vocabStart: 0,
        targets: new Int32Array(1),
        runningMax: new Float32Array(2),
        runningSum: new Float32Array(2),
        targetLogit: new Float32Array(2),
      },
    ],
    [
      'crossEntropyChunkBackward',
      {
        logits: new Float32Array(6),
        rows: 2,
        cols: 3,
        vocabStart: -1,
        targets: new Int32Array(2),
        lse: new Float32Array(2),
        rowScale: new Float32Array(2),
        dlogits: new Float32Array(6),
      },
    ],
  ] as const)('%s rejects bad arguments with the reference’s KernelArgumentError', (kernel, args) => {
    const refError = catchError(() => (referenceKernels[kernel] as (a: unknown) => void)(args));
    const error = catchError(() =>
      (ELEMENTWISE_KERNELS[kernel] as (r: ElementwiseRunner, a: unknown) => void)(runner, args),
    );
    expect(refError).toBeInstanceOf(KernelArgumentError);
    expect(error).toBeInstanceOf(KernelArgumentError);
    expect(error?.message).toBe(refError?.message);
  });

  test('operands must be typed arrays the wasm side can read (a plain array is a KernelArgumentError)', () => {
    const call = () =>
      ELEMENTWISE_KERNELS.silu(runner, {
        x: [1, 2, 3] as unknown as Float32Array,
        out: new Float32Array(3),
        n: 3,
      });
    expect(call).toThrow(KernelArgumentError);
    expect(call).toThrow('silu: x expected a Float32Array, got Array');
  });
});

describe('elementwise jobs: where they run', () => {
  test('small calls stay on the calling thread, large ones use the pool; unshared memory runs on one thread', async () => {
    const engine = await WasmGemmEngine.create({ threads: 2 });
    await engine.startThreads();
    const runner = new ElementwiseRunner(engine);
    const call = (rows: number, cols: number, on = runner) => {
      const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i));
      const out = new Float32Array(rows * cols);
      ELEMENTWISE_KERNELS.softmax(on, { x, out, rows, cols });
      return { x, out, threads: on.lastCall.threads };
    };
    expect(call(3, 7).threads).toBe(1);
    const large = call(64, 1031);
    expect(large.threads).toBe(2);
    await engine.dispose();

    const unshared = await WasmGemmEngine.create({ threads: 2, sharedMemory: false });
    await unshared.startThreads();
    const single = call(64, 1031, new ElementwiseRunner(unshared));
    expect(single.threads).toBe(1);
    expect(single.out).toEqual(large.out);
    await unshared.dispose();
  });
});

function catchError(fn: () => void): Error | undefined {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}

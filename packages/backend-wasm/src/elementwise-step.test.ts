import { KERNEL_CASES, KernelArgumentError, type KernelName, referenceKernels } from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ELEMENTWISE_KERNELS, type ElementwiseKernelName } from './elementwise-register.js';
import { ElementwiseRunner } from './elementwise-run.js';
import { WasmGemmEngine } from './engine.js';
import { caseRows, expectOutputs, expectSame } from './test-support/catalogue.js';
import { residentCopy } from './test-support/resident-copy.js';

type Args = Record<string, unknown>;

/** The per-step kernels: optimizers, copies, arithmetic, masks, statistics (the layers' are elementwise-kernels.test.ts's). */
const STEP_KERNELS = [
  'sgd',
  'adamw8bit',
  'fill',
  'stridedCopy',
  'add',
  'mul',
  'axpy',
  'scale',
  'addBias',
  'columnSums',
  'dropout',
  'uniformNoise',
  'causalSoftmax',
  'argmaxChunk',
  'crossEntropyStats',
  'sumSquares',
  'gradClip',
  'countNonFinite',
  'dequantizeAbsmax',
] as const satisfies readonly ElementwiseKernelName[];

function runWasm(runner: ElementwiseRunner, kernel: KernelName, args: Args): void {
  (
    ELEMENTWISE_KERNELS[kernel as ElementwiseKernelName] as unknown as (r: ElementwiseRunner, a: Args) => void
  )(runner, args);
}

describe('per-step kernels on the core catalogue against the reference, on 1 and 2 threads, staged and resident', () => {
  let one: WasmGemmEngine;
  let two: WasmGemmEngine;
  let single: ElementwiseRunner;
  let threaded: ElementwiseRunner;
  beforeAll(async () => {
    one = await WasmGemmEngine.create({ threads: 1 });
    two = await WasmGemmEngine.create({ threads: 2 });
    await two.startThreads();
    single = new ElementwiseRunner(one);
    threaded = new ElementwiseRunner(two, 0); // every job that can split does
  });
  afterAll(async () => {
    await one.dispose();
    await two.dispose();
  });

  test.each(caseRows(STEP_KERNELS))('%s', (_, c) => {
    const expected = c.args();
    (referenceKernels[c.kernel] as unknown as (a: Args) => void)(expected);

    const staged = c.args();
    runWasm(single, c.kernel, staged);
    expectOutputs(c, staged, expected);

    // 2 threads: bit for bit what 1 thread gives
    const split = c.args();
    runWasm(threaded, c.kernel, split);
    for (const key of Object.keys(c.tolerances))
      if (staged[key] !== undefined) expectSame(split[key], staged[key], key);

    // operands in wasm memory are used in place (fill and stridedCopy run their jobs only there): the same bits
    const resident = residentCopy(two, c.args());
    runWasm(threaded, c.kernel, resident.args);
    for (const key of Object.keys(c.tolerances))
      if (staged[key] !== undefined) expectSame(resident.args[key], staged[key], key);
    resident.free();
  });
});

describe('per-step kernels: where they run', () => {
  let engine: WasmGemmEngine;
  beforeAll(async () => {
    engine = await WasmGemmEngine.create({ threads: 2 });
    await engine.startThreads();
  });
  afterAll(() => engine.dispose());

  const byName = (name: string) => KERNEL_CASES.find((c) => `${c.kernel} ${c.name}` === name)!;

  test.each([
    'add n 5003',
    'axpy n 5003',
    'dropout n 5003 p 0.1',
    'columnSums 127×1031',
    'causalSoftmax training 3×14×33², padded',
    'argmaxChunk 17×1031 at 4096: ties, signed zeros, NaN',
    'sumSquares n 196613',
    'dequantizeAbsmax n 5003, blocks of 64',
  ])('%s splits across the pool when it is large enough, and stays on one thread when not', (name) => {
    const c = byName(name);
    const forced = new ElementwiseRunner(engine, 0);
    runWasm(forced, c.kernel, c.args());
    expect(forced.lastCall.threads).toBe(2);
    const never = new ElementwiseRunner(engine, Number.POSITIVE_INFINITY);
    runWasm(never, c.kernel, c.args());
    expect(never.lastCall.threads).toBe(1);
  });

  test('small elementwise calls run on this side without a job; so does a fill that would stay on one thread', () => {
    const runner = new ElementwiseRunner(engine, 0);
    Object.assign(runner.lastCall, { threads: 0, stagedBytes: 0 });
    const n = 1023;
    const [a, b] = [new Float32Array(n).fill(1.5), new Float32Array(n).fill(2)];
    ELEMENTWISE_KERNELS.add(runner, { a, b, out: a, n });
    expect(a[n - 1]).toBe(3.5);
    ELEMENTWISE_KERNELS.fill(new ElementwiseRunner(engine), {
      x: engine.allocF32(1 << 16),
      n: 1 << 16,
      value: 1,
    });
    expect(runner.lastCall.threads).toBe(0);
    const x = engine.allocF32(1 << 16);
    ELEMENTWISE_KERNELS.fill(runner, { x, n: x.length - 1, value: -2.5 });
    expect(runner.lastCall.threads).toBe(2);
    expect([x[0], x[x.length - 2], x[x.length - 1]]).toEqual([-2.5, -2.5, 0]);
  });

  test('causalSoftmax: a NaN score a query sees makes its row NaN, as the reference; padded keys stay 0', () => {
    const rng = makeRng(13);
    const x = Float32Array.from({ length: 81 }, () => rng.normal());
    x[8 * 9 + 5] = Number.NaN; // the last query sees key 5
    const args = {
      x,
      blocks: 1,
      heads: 1,
      queries: 9,
      keys: 9,
      queryStart: 0,
      keyMask: Int32Array.from({ length: 9 }, (_, j) => (j === 2 ? 0 : 1)),
      maskOffsets: Int32Array.of(0),
    };
    const expected = new Float32Array(81).fill(Number.NaN);
    referenceKernels.causalSoftmax({ ...args, out: expected });
    const out = new Float32Array(81).fill(Number.NaN);
    ELEMENTWISE_KERNELS.causalSoftmax(new ElementwiseRunner(engine), { ...args, out });
    expectClose(out, expected, { rtol: 2e-5, atol: 1e-30 }, 'out'); // NaN where the reference has NaN
    expect(Number.isNaN(out[8 * 9])).toBe(true);
    expect(Object.is(out[7 * 9 + 2], 0)).toBe(true);
  });

  test('causalSoftmax on a training shape: 1 and 2 threads agree, masked entries are exactly +0', () => {
    const [blocks, heads, L] = [2, 4, 64];
    const rng = makeRng(11);
    const x = Float32Array.from({ length: blocks * heads * L * L }, () => 4 * rng.normal());
    const keyMask = Int32Array.from({ length: 2 * L }, (_, j) => (j < 10 || j >= 2 * L - 5 ? 0 : 1));
    const args = {
      blocks,
      heads,
      queries: L,
      keys: L,
      queryStart: 0,
      keyMask,
      maskOffsets: Int32Array.of(0, L),
    };
    const one = new Float32Array(x.length);
    ELEMENTWISE_KERNELS.causalSoftmax(new ElementwiseRunner(engine, Number.POSITIVE_INFINITY), {
      ...args,
      x,
      out: one,
    });
    const two = new Float32Array(x.length);
    ELEMENTWISE_KERNELS.causalSoftmax(new ElementwiseRunner(engine, 0), { ...args, x, out: two });
    expect(two).toEqual(one);
    for (let r = 0; r < blocks * heads * L; r++) {
      const [b, i] = [Math.floor(r / (heads * L)), r % L];
      const real = (j: number) => keyMask[b * L + j] !== 0;
      let sum = 0;
      for (let j = 0; j < L; j++) {
        const p = one[r * L + j]!;
        if (!real(i) || j > i || !real(j)) expect(Object.is(p, 0), `row ${r} key ${j}`).toBe(true);
        sum += p;
      }
      if (real(i)) expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
    }
  });
});

describe('per-step kernels reject bad arguments with the reference’s KernelArgumentError', () => {
  let engine: WasmGemmEngine;
  let runner: ElementwiseRunner;
  beforeAll(async () => {
    engine = await WasmGemmEngine.create({ threads: 1 });
    runner = new ElementwiseRunner(engine);
  });
  afterAll(() => engine.dispose());

  const f = (n: number) => new Float32Array(n);
  const causal = { x: f(16), out: f(16), blocks: 1, heads: 1, queries: 4, keys: 4, queryStart: 0 };
  test.each([
    ['fill', { x: f(3), n: 4, value: 1 }],
    [
      'stridedCopy',
      { src: f(10), dst: f(10), counts: [2, 1, 1], inner: 6, srcStrides: [5, 0, 0], dstStrides: [6, 0, 0] },
    ],
    ['add', { a: f(4), b: f(3), out: f(4), n: 4 }],
    ['axpy', { x: f(4), y: f(4), n: 4, alpha: Number.NaN }],
    ['addBias', { x: f(6), bias: f(2), rows: 2, cols: 3 }],
    ['columnSums', { x: f(6), outAccumulate: f(3), rows: 2.5, cols: 3 }],
    ['dropout', { x: f(4), out: f(4), n: 4, p: 1, seed: 1 }],
    ['uniformNoise', { x: f(4), n: 4, magnitude: 1, seed: -1 }],
    ['causalSoftmax', { ...causal, queryStart: 1 }],
    ['causalSoftmax', { ...causal, keyMask: new Int32Array(4) }],
    ['causalSoftmax', { ...causal, keyMask: new Int32Array(5), maskOffsets: Int32Array.of(2) }],
    [
      'argmaxChunk',
      { logits: f(6), rows: 2, cols: 3, vocabStart: -1, bestValue: f(2), bestIndex: new Int32Array(2) },
    ],
    ['sumSquares', { x: f(4), n: 4, out: f(0) }],
    ['gradClip', { sumSquares: f(1), maxNorm: Number.POSITIVE_INFINITY, factor: f(1) }],
    [
      'dequantizeAbsmax',
      {
        qabsmax: new Uint8Array(4),
        nestedAbsmax: f(1),
        nestedCode: f(256),
        nestedBlocksize: 0,
        offset: 0,
        out: f(4),
        n: 4,
      },
    ],
  ] as const)('%s', (kernel, args) => {
    const refError = catchError(() => (referenceKernels[kernel] as (a: unknown) => void)(args));
    const error = catchError(() => runWasm(runner, kernel, args as unknown as Args));
    expect(refError).toBeInstanceOf(KernelArgumentError);
    expect(error).toBeInstanceOf(KernelArgumentError);
    expect(error?.message).toBe(refError?.message);
  });

  test('operands must be the typed arrays the wasm side reads', () => {
    const call = () => runWasm(runner, 'fill', { x: new Float64Array(4), n: 4, value: 1 });
    expect(call).toThrow(KernelArgumentError);
    expect(call).toThrow('fill: x expected a Float32Array or an Int32Array, got Float64Array');
    expect(() =>
      runWasm(runner, 'dequantizeAbsmax', {
        qabsmax: new Int32Array(4),
        nestedAbsmax: f(1),
        nestedCode: f(256),
        nestedBlocksize: 4,
        offset: 0,
        out: f(4),
        n: 4,
      }),
    ).toThrow('dequantizeAbsmax: qabsmax expected a Uint8Array, got Int32Array');
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

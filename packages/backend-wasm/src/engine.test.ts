import { KernelArgumentError, referenceKernels } from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WasmGemmEngine } from './engine.js';
import { WasmBackendError } from './errors.js';
import { checkGemmArgs } from './gemm-args.js';
import { tripleLoop } from './test-support/triple-loop.js';

const layouts = [
  { transA: false, transB: false, layout: 'NN' },
  { transA: false, transB: true, layout: 'NT' },
  { transA: true, transB: false, layout: 'TN' },
  { transA: true, transB: true, layout: 'TT' },
];
// odd sizes hit every edge tile (MR = 4, NR = 8); 131 rows cross MC = 128, k = 513 and 1100 cross KC = 512
// (in 2 and 3 depth blocks), 2053 columns cross NC = 2048
const shapes = [
  { m: 1, n: 1, k: 1 },
  { m: 3, n: 7, k: 17 },
  { m: 7, n: 3, k: 1 },
  { m: 17, n: 1031, k: 3 },
  { m: 131, n: 9, k: 300 },
  { m: 5, n: 2053, k: 7 },
  { m: 33, n: 40, k: 513 },
  { m: 9, n: 21, k: 1100 },
];
const modes = [
  { alpha: 1, accumulate: false },
  { alpha: -0.5, accumulate: true },
  { alpha: 2.5, accumulate: false },
];
const cases = shapes.flatMap((s) => layouts.flatMap((l) => modes.map((mode) => ({ ...s, ...l, ...mode }))));

function operands(seed: number, batch: number, m: number, n: number, k: number) {
  const rng = makeRng(seed);
  const a = new Float32Array(batch * m * k);
  const b = new Float32Array(batch * k * n);
  const out = new Float32Array(batch * m * n);
  rng.fill(a);
  rng.fill(b);
  rng.fill(out);
  return { a, b, out };
}

/** f32 sums of k products of values in [-1, 1] differ from float64 by about k·2⁻²⁴ at most */
const tol = (k: number) => ({ rtol: 1e-5, atol: 2e-7 * k + 1e-6 });

// the main table runs the baseline build (relaxed.test.ts and the thin-product tables run the FMA one)
let engine: WasmGemmEngine;
beforeAll(async () => {
  engine = await WasmGemmEngine.create({ threads: 1, simd: 'baseline' });
});

describe('WasmGemmEngine.gemm against a float64 triple loop', () => {
  test.each(cases)(
    '$layout m=$m n=$n k=$k alpha=$alpha accumulate=$accumulate',
    ({ m, n, k, transA, transB, alpha, accumulate }) => {
      const { a, b, out } = operands(m * 7919 + n * 31 + k, 1, m, n, k);
      if (!accumulate) out.fill(Number.NaN); // overwrite must ignore what out held
      const expected = tripleLoop({ a, b, out, m, n, k, transA, transB, alpha, accumulate });
      engine.gemm(checkGemmArgs('matmul', { a, b, out, m, n, k, transA, transB, alpha, accumulate }));
      expectClose(out, expected, tol(k), 'out');
    },
  );

  test.each(layouts)(
    'batched $layout: batch=3 m=13 n=11 k=9, each matrix independent',
    ({ transA, transB }) => {
      const [batch, m, n, k] = [3, 13, 11, 9];
      const { a, b, out } = operands(5, batch, m, n, k);
      const expected = tripleLoop({
        a,
        b,
        out,
        batch,
        m,
        n,
        k,
        transA,
        transB,
        alpha: 0.25,
        accumulate: true,
      });
      engine.gemm(
        checkGemmArgs('batchedMatmul', {
          a,
          b,
          out,
          batch,
          m,
          n,
          k,
          transA,
          transB,
          alpha: 0.25,
          accumulate: true,
        }),
      );
      expectClose(out, expected, tol(k), 'out');
    },
  );

  test('k = 0 gives alpha·0: zeros when overwriting, out unchanged when accumulating', () => {
    const out = new Float32Array([1, 2, 3, 4, 5, 6]);
    engine.gemm(
      checkGemmArgs('matmul', {
        a: new Float32Array(0),
        b: new Float32Array(0),
        out,
        m: 2,
        n: 3,
        k: 0,
        accumulate: true,
      }),
    );
    expect([...out]).toEqual([1, 2, 3, 4, 5, 6]);
    engine.gemm(
      checkGemmArgs('matmul', { a: new Float32Array(0), b: new Float32Array(0), out, m: 2, n: 3, k: 0 }),
    );
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('longer buffers are fine; only the leading elements are read and written', () => {
    const a = new Float32Array([1, 2, 3, 4, 99]);
    const b = new Float32Array([5, 6, 7, 8, 99]);
    const out = new Float32Array([0, 0, 0, 0, -1]);
    engine.gemm(checkGemmArgs('matmul', { a, b, out, m: 2, n: 2, k: 2 }));
    expect([...out]).toEqual([19, 22, 43, 50, -1]);
  });

  test.each([
    [{ m: 2, n: 2, k: 2, a: new Float32Array(3) }, /a \(M, K\) expected at least 4 elements, got 3/],
    [
      { m: 2, n: 2, k: 2, transB: true, b: new Float32Array(1) },
      /b \(N, K\) expected at least 4 elements, got 1/,
    ],
    [
      { m: 2, n: 2, k: 2, out: new Float64Array(4) },
      /out \(M, N\) expected a Float32Array, got Float64Array/,
    ],
    [{ m: 1.5, n: 2, k: 2 }, /m expected a non-negative integer, got 1.5/],
    [{ m: 2, n: 2, k: 2, alpha: Number.NaN }, /alpha expected a finite number, got NaN/],
  ])('bad arguments throw KernelArgumentError: %o', (override, message) => {
    const args = { a: new Float32Array(4), b: new Float32Array(4), out: new Float32Array(4), ...override };
    expect(() => checkGemmArgs('matmul', args as never)).toThrow(KernelArgumentError);
    expect(() => checkGemmArgs('matmul', args as never)).toThrow(message);
  });
});

describe('thin products read an operand in place', () => {
  let packing: WasmGemmEngine;
  beforeAll(async () => {
    packing = await WasmGemmEngine.create({ threads: 1, simd: 'baseline', packing: 'always' });
  });

  // n ≤ 32 reads A in place (any layout); m ≤ 16 reads a row-major B (NN, TN) in place; partial panels are packed
  test.each([
    { m: 45, n: 16, k: 70, transA: false, transB: true },
    { m: 45, n: 13, k: 70, transA: true, transB: false },
    { m: 16, n: 101, k: 70, transA: true, transB: false },
    { m: 7, n: 96, k: 70, transA: false, transB: false },
  ])('bit-identical to packing both: m=$m n=$n k=$k transA=$transA transB=$transB', (shape) => {
    const { m, n, k } = shape;
    const { a, b, out } = operands(29, 1, m, n, k);
    const packed = Float32Array.from(out);
    const args = { ...shape, a, b, alpha: -1.25, accumulate: true };
    engine.gemm(checkGemmArgs('matmul', { ...args, out }));
    packing.gemm(checkGemmArgs('matmul', { ...args, out: packed }));
    expect(engine.lastCall.packedPanels).toBeLessThan(packing.lastCall.packedPanels);
    expect(out).toEqual(packed);
    const start = operands(29, 1, m, n, k).out;
    expectClose(out, tripleLoop({ ...args, out: start }), tol(k), 'out');
  });
});

// Thin products (M ≤ 16 takes 64-deep blocks; M ≤ 16 with row-major B reads B in place; N ≤ 32 reads A in
// place), at sizes that are not multiples of MR = 4 or NR = 8, against @lora/core's reference matmul (float64
// sums, one rounding). The tolerance is the float32 accumulation bound of tol(k); the FMA build rounds once per
// multiply-add instead of twice, so it stays inside the same bound.
const thinShapes = [
  { m: 1, n: 203, k: 65 },
  { m: 13, n: 203, k: 301 },
  { m: 16, n: 131, k: 513 },
  { m: 17, n: 99, k: 130 },
  { m: 301, n: 13, k: 129 },
  { m: 133, n: 31, k: 67 },
];
const thinCases = thinShapes.flatMap((s) => layouts.map((l) => ({ ...s, ...l })));

describe.each(['baseline', 'relaxed'] as const)('thin products, %s SIMD, against the reference', (simd) => {
  let auto: WasmGemmEngine;
  let packing: WasmGemmEngine;
  beforeAll(async () => {
    auto = await WasmGemmEngine.create({ threads: 1, simd });
    packing = await WasmGemmEngine.create({ threads: 1, simd, packing: 'always', blocking: { kc: 96 } });
  });

  test.each(thinCases)('$layout m=$m n=$n k=$k', ({ m, n, k, transA, transB }) => {
    const { a, b, out } = operands(m * 131 + n * 7 + k, 1, m, n, k);
    const args = { a, b, m, n, k, transA, transB, alpha: 0.5, accumulate: true };
    const expected = Float32Array.from(out);
    referenceKernels.matmul({ ...args, out: expected });
    auto.gemm(checkGemmArgs('matmul', { ...args, out }));
    expectClose(out, expected, tol(k), 'out');
    // packing both operands, with another depth blocking for the non-thin shapes, within the same bound
    const packed = operands(m * 131 + n * 7 + k, 1, m, n, k).out;
    packing.gemm(checkGemmArgs('matmul', { ...args, out: packed }));
    expectClose(packed, expected, tol(k), 'packed');
  });
});

describe('threads', () => {
  let two: WasmGemmEngine;
  beforeAll(async () => {
    two = await WasmGemmEngine.create({ threads: 2, simd: 'baseline' });
    await two.startThreads();
  });
  afterAll(() => two.dispose());

  test('two threads start and say so', () => {
    expect(two.activeThreads).toBe(2);
    expect(two.describe()).toMatch(
      /^WebAssembly SIMD, (relaxed FMA( \(V8 flag set at run time\))?|no relaxed SIMD), 2 threads$/,
    );
  });

  // large enough to be split (≥ 4 Mflop): wide N splits N, tall M splits M, batches split the batch
  test.each([
    { batch: 1, m: 37, n: 515, k: 129, transA: false, transB: true },
    { batch: 1, m: 515, n: 13, k: 401, transA: true, transB: false },
    { batch: 3, m: 64, n: 72, k: 160, transA: false, transB: false },
    { batch: 1, m: 13, n: 1037, k: 300, transA: true, transB: false }, // thin M, 64-deep blocks, B in place
    { batch: 1, m: 15, n: 1029, k: 261, transA: false, transB: true }, // thin M, B packed
    { batch: 1, m: 1029, n: 11, k: 301, transA: false, transB: false }, // thin N, A in place, split along M
  ])('1 and 2 threads give bit-identical results: batch=$batch m=$m n=$n k=$k', (shape) => {
    const { batch, m, n, k } = shape;
    const { a, b, out } = operands(11, batch, m, n, k);
    const one = Float32Array.from(out);
    const args = { ...shape, a, b, alpha: 0.75, accumulate: true };
    engine.gemm(checkGemmArgs('batchedMatmul', { ...args, out: one }));
    two.gemm(checkGemmArgs('batchedMatmul', { ...args, out }));
    expect(two.lastCall.threads).toBe(2);
    expect(out).toEqual(one);
    expectClose(
      out,
      tripleLoop({ ...args, out: Float32Array.from(operands(11, batch, m, n, k).out) }),
      tol(k),
      'out',
    );
  });
});

describe('a trap in the kernel', () => {
  test.each([1, 2])(
    'surfaces as WasmBackendError on %i thread(s), and the engine keeps working',
    async (threads) => {
      const e = await WasmGemmEngine.create({ threads });
      await e.startThreads();
      const [m, n, k] = [64, 128, 300]; // 4.9 Mflop: both threads take part
      const a = e.allocF32(m * k);
      const b = e.allocF32(k * n);
      const out = e.allocF32(m * n);
      const job = e.allocF32(64).byteOffset;
      const call = { batch: 1, m, n, k, transA: false, transB: false, alpha: 1, accumulate: false };
      const badPacker = { packer: 99, ptr: b.byteOffset, rs: n, cs: 1, batchStride: 0 };
      expect(() => e.run(call, job, a.byteOffset, badPacker, out.byteOffset)).toThrow(WasmBackendError);
      a.fill(1);
      b.fill(2);
      e.gemm(checkGemmArgs('matmul', { a, b, out, m, n, k }));
      expect(e.lastCall.threads).toBe(threads);
      expect(out.every((v) => v === 600)).toBe(true);
      await e.dispose();
    },
  );
});

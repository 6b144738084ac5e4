// One-row products x·Wᵀ (decoding) take the dot-product path (assembly/gemv.ts): each output reads its weight row in
// place. Checked against a float64 triple loop at every depth remainder, both builds, 1 and 2 threads.
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WasmGemmEngine } from './engine.js';
import { checkGemmArgs } from './gemm-args.js';
import { tripleLoop } from './test-support/triple-loop.js';

function operands(seed: number, batch: number, n: number, k: number) {
  const rng = makeRng(seed);
  const a = new Float32Array(batch * k);
  const b = new Float32Array(batch * k * n);
  const out = new Float32Array(batch * n);
  rng.fill(a);
  rng.fill(b);
  rng.fill(out);
  return { a, b, out };
}

/** f32 sums of k products of values in [-1, 1] differ from float64 by about k·2⁻²⁴ at most */
const tol = (k: number) => ({ rtol: 1e-5, atol: 2e-7 * k + 1e-6 });

// depths around the 8-wide steps, the 4-wide step and the scalar tail; widths around the groups of four rows
const depths = [1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 901];
const widths = [1, 3, 4, 5, 13, 1031];
const cases = depths.flatMap((k) =>
  widths.map((n, i) => ({ k, n, alpha: i % 2 ? -0.5 : 1, accumulate: i % 3 === 1 })),
);

describe.each(['baseline', 'relaxed'] as const)('one-row products on the %s build', (simd) => {
  let one: WasmGemmEngine;
  let two: WasmGemmEngine;
  beforeAll(async () => {
    one = await WasmGemmEngine.create({ threads: 1, simd });
    two = await WasmGemmEngine.create({ threads: 2, simd });
    await two.startThreads();
  });
  afterAll(async () => {
    await one.dispose();
    await two.dispose();
  });

  test.each(cases)('1×$k×$n NT alpha=$alpha accumulate=$accumulate', ({ k, n, alpha, accumulate }) => {
    const { a, b, out } = operands(k * 131 + n, 1, n, k);
    const args = { a, b, m: 1, n, k, transB: true, alpha, accumulate };
    const expected = tripleLoop({ ...args, out });
    if (!accumulate) out.fill(Number.NaN); // overwrite must ignore what out held
    one.gemm(checkGemmArgs('matmul', { ...args, out }));
    expect(one.lastCall.packedPanels, 'the weight is read in place, never packed').toBe(0);
    expectClose(out, expected, tol(k), 'out');
  });

  test('a batch of one-row products (attention over a KV cache) matches the triple loop', () => {
    const [batch, n, k] = [3, 37, 67];
    const { a, b, out } = operands(5, batch, n, k);
    const args = { a, b, batch, m: 1, n, k, transB: true, alpha: 0.125, accumulate: false };
    const expected = tripleLoop({ ...args, out });
    one.gemm(checkGemmArgs('batchedMatmul', { ...args, out }));
    expectClose(out, expected, tol(k), 'out');
  });

  test('1 and 2 threads give bit-identical results on a decoding-sized product', () => {
    const [n, k] = [4099, 901]; // 7.4 Mflop: split between the threads; 4099 = 4·1024 + 3 leaves a tail
    const { a, b, out } = operands(9, 1, n, k);
    const args = { a, b, m: 1, n, k, transB: true, alpha: 1, accumulate: true };
    const single = Float32Array.from(out);
    one.gemm(checkGemmArgs('matmul', { ...args, out: single }));
    two.gemm(checkGemmArgs('matmul', { ...args, out }));
    expect(two.lastCall.threads).toBe(2);
    expect(out).toEqual(single);
  });
});

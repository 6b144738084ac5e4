import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { WasmGemmEngine } from './engine.js';
import { checkGemmArgs } from './gemm-args.js';
import { obtainRelaxedSimd } from './simd-mode.js';
import { tripleLoop } from './test-support/triple-loop.js';

// Node 20 validates relaxed SIMD only behind --experimental-wasm-relaxed-simd, which the engine sets at run time
// (process-wide; vitest runs each file in its own process), so the relaxed kernels are tested everywhere.
const relaxed = (await obtainRelaxedSimd()) !== 'none';

describe.runIf(relaxed)('relaxed-SIMD (FMA) kernels', () => {
  test.each([
    { m: 1, n: 1, k: 1, transA: false, transB: false },
    { m: 13, n: 1031, k: 7, transA: false, transB: true },
    { m: 131, n: 17, k: 300, transA: true, transB: false },
    { m: 45, n: 90, k: 520, transA: true, transB: true },
    { m: 13, n: 1037, k: 300, transA: true, transB: false }, // thin M: 64-deep blocks, split over 2 threads
  ])(
    'm=$m n=$n k=$k transA=$transA transB=$transB, on 1 and 2 threads',
    async ({ m, n, k, transA, transB }) => {
      const engines = [
        await WasmGemmEngine.create({ threads: 1, simd: 'relaxed' }),
        await WasmGemmEngine.create({ threads: 2, simd: 'relaxed' }),
      ];
      await engines[1]!.startThreads();
      const rng = makeRng(m + n + k);
      const a = new Float32Array(m * k);
      const b = new Float32Array(k * n);
      const start = new Float32Array(m * n);
      rng.fill(a);
      rng.fill(b);
      rng.fill(start);
      const outs = engines.map((engine) => {
        const out = Float32Array.from(start);
        engine.gemm(
          checkGemmArgs('matmul', { a, b, out, m, n, k, transA, transB, alpha: 1.5, accumulate: true }),
        );
        return out;
      });
      const expected = tripleLoop({
        a,
        b,
        out: start,
        m,
        n,
        k,
        transA,
        transB,
        alpha: 1.5,
        accumulate: true,
      });
      expect(engines[0]!.describe()).toMatch(/relaxed FMA/);
      expectClose(outs[0]!, expected, { rtol: 1e-5, atol: 2e-7 * k + 1e-6 }, 'out');
      expect(outs[1]).toEqual(outs[0]);
      await Promise.all(engines.map((e) => e.dispose()));
    },
  );
});

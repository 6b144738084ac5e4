import { WasmGemmEngine } from '@lora/backend-wasm';
import { type HostArgs, type Nf4MatmulArgs, referenceKernels } from '@lora/core';
import { expectClose } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dequantizeInto, NF4_CASES, runNf4Bench } from './nf4-bench.js';

let engine: WasmGemmEngine;
beforeAll(async () => {
  engine = await WasmGemmEngine.create({ threads: 1 });
});
afterAll(() => engine.dispose());

describe('nf4 bench', () => {
  test('times the shapes the brief names: 512×896×896 and 512×896×4864 forward, and an M = 1 matvec', async () => {
    const forward = NF4_CASES.filter((c) => c.mode === 'forward').map((c) => [c.m, c.k, c.n]);
    expect(forward).toEqual([
      [512, 896, 896],
      [512, 896, 4864],
      [1, 896, 4864],
    ]);
  });

  test('dequantizeInto is the dense weight the reference kernel multiplies by', async () => {
    const args: HostArgs<Nf4MatmulArgs> = {
      x: Float32Array.from({ length: 3 * 70 }, (_, i) => Math.sin(i)),
      packed: Uint8Array.from({ length: 35 * 3 }, (_, i) => (i * 37) & 255),
      absmax: Float32Array.from([0.5, 2, 1.5, 0.25]),
      code: Float32Array.from({ length: 16 }, (_, i) => (i - 7.5) / 8),
      blocksize: 64,
      out: new Float32Array(9),
      m: 3,
      n: 3,
      k: 70,
      mode: 'forward',
    };
    referenceKernels.nf4Matmul(args);
    const w = new Float32Array(3 * 70); // (N, K)
    dequantizeInto(args, w);
    const dense = new Float32Array(9);
    referenceKernels.matmul({ a: args.x, b: w, out: dense, m: 3, n: 3, k: 70, transB: true });
    expectClose(args.out, dense, { rtol: 1e-6, atol: 1e-6 }, 'x · Wᵀ');
  });

  test('the fused and unfused paths agree on small shapes of both modes', async () => {
    const cases = [
      { name: 'small forward', m: 5, k: 70, n: 33, mode: 'forward' as const },
      { name: 'small inputGrad', m: 5, k: 70, n: 33, mode: 'inputGrad' as const },
    ];
    const results = await runNf4Bench(engine, cases, { budgetMs: 1, minReps: 1, maxReps: 1 });
    expect(results.map((r) => r.case)).toEqual(['small forward', 'small inputGrad']);
    for (const r of results) {
      expect(r.maxRelErr).toBeLessThan(1e-5);
      expect(Number.isFinite(r.fusedGflops) && r.fusedGflops > 0).toBe(true);
    }
    expect(engine.heap.residentCount).toBe(0); // every buffer it allocated is freed
  });
});

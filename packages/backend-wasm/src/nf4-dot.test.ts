// Decoding-shaped nf4Matmul (forward, M ≤ 8) takes the fused dot-product path (assembly/nf4-dot.ts): the codes are
// looked up in registers, nothing is packed. Checked against the reference and against the packed path (the same
// engine with packing 'always'), on both builds and 1 and 2 threads.
import { type HostArgs, type Nf4MatmulArgs, referenceKernels } from '@lora/core';
import { expectClose, makeRng } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WasmGemmEngine } from './engine.js';

function forwardArgs(
  seed: number,
  m: number,
  n: number,
  k: number,
  blocksize: number,
): HostArgs<Nf4MatmulArgs> {
  const rng = makeRng(seed);
  const x = new Float32Array(m * k); // (M, K)
  rng.fill(x);
  const absmax = new Float32Array(Math.ceil((n * k) / blocksize));
  rng.fill(absmax, 0.05, 2);
  const code = new Float32Array(16);
  rng.fill(code);
  const packed = Uint8Array.from({ length: Math.ceil((n * k) / 2) }, () => rng.int(256)); // W (N, K)
  const out = new Float32Array(m * n); // (M, N)
  rng.fill(out);
  return { x, packed, absmax, code, blocksize, out, m, n, k, mode: 'forward' };
}

const reference = (args: HostArgs<Nf4MatmulArgs>): Float32Array => {
  const out = args.out.slice();
  referenceKernels.nf4Matmul({ ...args, out });
  return out;
};

/** sums of K products of weights up to |2| and inputs in [-1, 1], in f32 against float64 */
const tolerance = (k: number) => ({ rtol: 1e-5, atol: 8e-7 * k + 1e-6 });

// K: whole steps of 16 (896, the Qwen2.5-0.5B hidden size), a ragged tail (100), odd (rows alternate between
// starting on a high and a low nibble: 1031, 33, 45), shorter than a chunk of four (1); blocks of 7 to 128, with
// steps inside blocks and straddling them (K = 1031 or 100 against blocksize 64)
const SHAPES = [
  [1, 896, 896, 64],
  [1, 1029, 1031, 64],
  [3, 1029, 1031, 64],
  [3, 37, 896, 128],
  [2, 41, 100, 64],
  [8, 19, 33, 32],
  [5, 11, 7, 64],
  [1, 3, 1, 64],
  [1, 13, 45, 7], // blocks of 7: most chunks of four straddle two
  [3, 17, 64, 16],
] as const;

describe.each(['baseline', 'relaxed'] as const)('fused NF4 decoding on the %s build', (simd) => {
  let one: WasmGemmEngine;
  let two: WasmGemmEngine;
  let packing: WasmGemmEngine;
  beforeAll(async () => {
    one = await WasmGemmEngine.create({ threads: 1, simd });
    two = await WasmGemmEngine.create({ threads: 2, simd });
    packing = await WasmGemmEngine.create({ threads: 1, simd, packing: 'always' });
    await two.startThreads();
  });
  afterAll(async () => {
    await Promise.all([one.dispose(), two.dispose(), packing.dispose()]);
  });

  test.each(SHAPES)(
    'M %i, N %i, K %i, blocksize %i: matches the reference and the packed path; 1 and 2 threads agree bit for bit',
    (m, n, k, blocksize) => {
      for (const accumulate of [false, true]) {
        const args = { ...forwardArgs(m * 1000 + n + k, m, n, k, blocksize), accumulate };
        const want = reference(args);
        const viaPanels = { ...args, out: args.out.slice() };
        packing.nf4Matmul(viaPanels);
        expect(packing.lastCall.packedPanels).toBeGreaterThan(0);
        const a1 = { ...args, out: args.out.slice() };
        one.nf4Matmul(a1);
        expect(one.lastCall.packedPanels).toBe(0); // nothing packed: the codes are read in place
        const a2 = { ...args, out: args.out.slice() };
        two.nf4Matmul(a2);
        if (n * k >= 1 << 18) expect(two.lastCall.threads).toBe(2);
        expect(Array.from(a2.out)).toEqual(Array.from(a1.out));
        expectClose(a1.out, want, tolerance(k), `fused vs reference, accumulate ${accumulate}`);
        expectClose(a1.out, viaPanels.out, tolerance(k), `fused vs packed, accumulate ${accumulate}`);
      }
    },
  );

  test.each([
    [3, 70, 896, 64],
    [4, 33, 1031, 64],
  ] as const)(
    'M %i, N %i, K %i: each row of x gives the bits a one-row call gives it',
    (m, n, k, blocksize) => {
      const args = forwardArgs(m + n + k, m, n, k, blocksize);
      one.nf4Matmul(args);
      for (let i = 0; i < m; i++) {
        const row = { ...args, m: 1, x: args.x.slice(i * k, (i + 1) * k), out: new Float32Array(n) };
        one.nf4Matmul(row);
        expect(Array.from(row.out)).toEqual(Array.from(args.out.subarray(i * n, (i + 1) * n)));
      }
    },
  );

  test.each([
    [1, 896, 896, 64, 256],
    [3, 129, 1031, 64, 3],
  ] as const)(
    'M %i, N %i, K %i, blocksize %i, a nested absmax in blocks of %i: the bits of its restored scales',
    (m, n, k, blocksize, nestedBlocksize) => {
      const args = forwardArgs(m + n + k + 1, m, n, k, blocksize);
      const rng = makeRng(k);
      const blocks = Math.ceil((n * k) / blocksize);
      const nestedAbsmax = new Float32Array(Math.ceil(blocks / nestedBlocksize));
      rng.fill(nestedAbsmax, 0.2, 0.9);
      const nestedCode = new Float32Array(256);
      rng.fill(nestedCode);
      const qabsmax = Uint8Array.from({ length: blocks }, () => rng.int(256));
      const nested = { qabsmax, nestedAbsmax, nestedCode, nestedBlocksize, offset: 1.05 };
      const restored = new Float32Array(blocks); // the reference's dequantizeAbsmax
      referenceKernels.dequantizeAbsmax({ ...nested, out: restored, n: blocks });
      const plain = { ...args, absmax: restored, out: args.out.slice() };
      one.nf4Matmul(plain);
      const fused = { ...args, absmax: undefined, nested, out: args.out.slice() };
      one.nf4Matmul(fused);
      expect(one.lastCall.packedPanels).toBe(0);
      expect(Array.from(fused.out)).toEqual(Array.from(plain.out));
      expectClose(fused.out, reference(fused), tolerance(k), 'nested vs reference');
    },
  );

  test('nine rows and the backward product take the packed path', () => {
    const nine = forwardArgs(3, 9, 40, 64, 64);
    one.nf4Matmul(nine);
    expect(one.lastCall.packedPanels).toBeGreaterThan(0);
    expectClose(nine.out, reference(nine), tolerance(64), 'nine rows');
    const grad = { ...forwardArgs(5, 1, 40, 64, 64), mode: 'inputGrad' as const, out: new Float32Array(64) };
    grad.x = grad.x.subarray(0, 40);
    one.nf4Matmul(grad);
    expect(one.lastCall.packedPanels).toBeGreaterThan(0);
    expectClose(grad.out, reference(grad), tolerance(40), 'inputGrad');
  });
});

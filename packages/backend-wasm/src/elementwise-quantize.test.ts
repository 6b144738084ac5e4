import { casesFor, type KernelCase, referenceKernels } from '@lora/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { quantize4bitBlockwise } from './elementwise-quantize.js';
import { ElementwiseRunner } from './elementwise-run.js';
import { WasmGemmEngine } from './engine.js';
import { expectSame } from './test-support/catalogue.js';
import { residentCopy } from './test-support/resident-copy.js';

type Args = Parameters<typeof quantize4bitBlockwise>[1];

const argsOf = (c: KernelCase) => c.args() as unknown as Args;

describe('quantize4bitBlockwise on wasm: the reference bit for bit on 1, 2 and 3 threads, staged and resident', () => {
  const engines: WasmGemmEngine[] = [];
  const runners: ElementwiseRunner[] = [];
  beforeAll(async () => {
    for (const threads of [1, 2, 3]) {
      const engine = await WasmGemmEngine.create({ threads });
      if (threads > 1) await engine.startThreads();
      engines.push(engine);
      runners.push(new ElementwiseRunner(engine, 0)); // every job that can split does
    }
  });
  afterAll(async () => {
    for (const engine of engines) await engine.dispose();
  });

  test.each(casesFor('quantize4bitBlockwise').map((c) => [c.name, c] as const))('%s', (_, c) => {
    const expected = argsOf(c);
    referenceKernels.quantize4bitBlockwise(expected);
    for (const [t, runner] of runners.entries()) {
      const got = argsOf(c);
      quantize4bitBlockwise(runner, got);
      expectSame(got.packed, expected.packed, `packed, ${t + 1} threads`);
      expectSame(got.absmax, expected.absmax, `absmax, ${t + 1} threads`);
      const units = Math.ceil(expected.absmax.length / (expected.blocksize % 2 === 1 ? 2 : 1)); // blocks (pairs if odd)
      expect(runner.lastCall.threads).toBe(Math.min(t + 1, units));
    }
    const resident = residentCopy(engines[1]!, c.args());
    quantize4bitBlockwise(runners[1]!, resident.args as unknown as Args);
    expectSame(resident.args.packed, expected.packed, 'packed, resident');
    expectSame(resident.args.absmax, expected.absmax, 'absmax, resident');
    resident.free();
  });

  test('a block holding NaN or ±Infinity gets the non-finite absmax the reference gives; the others their values', () => {
    const values = Float32Array.from({ length: 640 }, (_, i) => Math.sin(i));
    values[70] = Number.NaN;
    values[200] = Number.NEGATIVE_INFINITY;
    const make = () => ({
      values,
      code: Float32Array.from({ length: 16 }, (_, i) => (i - 7.5) / 7.5),
      blocksize: 64,
      n: 640,
      packed: new Uint8Array(320),
      absmax: new Float32Array(10),
    });
    const want = make();
    referenceKernels.quantize4bitBlockwise(want);
    const got = make();
    quantize4bitBlockwise(runners[1]!, got);
    expect(Array.from(got.absmax)).toEqual(Array.from(want.absmax));
    expect([got.absmax[1], got.absmax[3]]).toEqual([Number.NaN, Number.POSITIVE_INFINITY]);
  });
});

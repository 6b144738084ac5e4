// Accuracy of the vector exp and sigmoid (assembly/elementwise/math.ts) against Math.exp rounded to float32.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { i32 } from './elementwise-job.js';
import { ElementwiseRunner } from './elementwise-run.js';
import { WasmGemmEngine } from './engine.js';
import { globalValue } from './job.js';

const SMALLEST_NORMAL = 2 ** -126;

const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);

/** float32 bit patterns as a monotonic integer line, so ulp distance is a difference */
function ordinal(v: number): number {
  f32[0] = v;
  return bits[0]! < 0 ? -(bits[0]! & 0x7fffffff) : bits[0]!;
}

function fromOrdinal(o: number): number {
  bits[0] = o < 0 ? -o | 0x80000000 : o;
  return f32[0]!;
}

/** every `step`-th float32 in [lo, hi], plus the ends */
function sweep(lo: number, hi: number, step: number): Float32Array {
  const values: number[] = [];
  for (let o = ordinal(lo); o <= ordinal(hi); o += step) values.push(fromOrdinal(o));
  values.push(hi);
  return Float32Array.from(values);
}

describe('vector exp and sigmoid', () => {
  let engine: WasmGemmEngine;
  let engine2: WasmGemmEngine;
  let apply: (fn: 'MATH_EXP' | 'MATH_SIGMOID', x: Float32Array, runner?: ElementwiseRunner) => Float32Array;
  let threaded: ElementwiseRunner;
  beforeAll(async () => {
    engine = await WasmGemmEngine.create({ threads: 1 });
    engine2 = await WasmGemmEngine.create({ threads: 2 });
    await engine2.startThreads();
    threaded = new ElementwiseRunner(engine2, 0);
    const single = new ElementwiseRunner(engine);
    const exports = engine.elementwiseHost().exports;
    apply = (fn, x, runner = single) => {
      const y = new Float32Array(x.length);
      const f = globalValue(exports, fn);
      runner.run(
        'EW_MATH',
        { src: [x, x.length, 'in'], dst: [y, x.length, 'out'] },
        (p) => [i32(p.src), i32(p.dst), i32(x.length), i32(f)],
        {
          units: Math.ceil(x.length / 4),
          work: x.length,
        },
      );
      return y;
    };
  });
  afterAll(async () => {
    await engine.dispose();
    await engine2.dispose();
  });

  // every 2039th float32 from −110 to 95 (≈ 1.1 million values): both tails, the under/overflow edges, around 0
  const xs = sweep(-110, 95, 2039);

  test.each([
    ['exp', 1, 'MATH_EXP', (v: number) => Math.exp(v)],
    ['sigmoid', 2, 'MATH_SIGMOID', (v: number) => 1 / (1 + Math.exp(-v))],
  ] as const)('%s: within %i ulp of the float64 value rounded to float32', (_, maxUlp, fn, f) => {
    const y = apply(fn, xs);
    let worstUlp = 0;
    let worstTiny = 0;
    const wrongSpecials: string[] = [];
    for (let i = 0; i < xs.length; i++) {
      const want = Math.fround(f(xs[i]!));
      const got = y[i]!;
      if (!Number.isFinite(want) || !Number.isFinite(got)) {
        if (got !== want) wrongSpecials.push(`${fn}(${xs[i]}) = ${got}, expected ${want}`);
        continue;
      }
      if (Math.abs(want) < SMALLEST_NORMAL) worstTiny = Math.max(worstTiny, Math.abs(got - want));
      else worstUlp = Math.max(worstUlp, Math.abs(ordinal(got) - ordinal(want)));
    }
    expect(wrongSpecials).toEqual([]);
    expect(worstUlp).toBeLessThanOrEqual(maxUlp);
    // below the smallest normal: exp within one subnormal step; sigmoid may flush to 0 (an error < 2^−126)
    expect(worstTiny).toBeLessThan(fn === 'MATH_EXP' ? 2 * 2 ** -149 : SMALLEST_NORMAL);
  });

  test('exp overflows to +Infinity and underflows to +0 like Math.exp; NaN stays NaN', () => {
    const x = Float32Array.of(
      88.72,
      88.723,
      89,
      1e30,
      Number.POSITIVE_INFINITY,
      -103.97,
      -104,
      -1e30,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      0,
      -0,
    );
    const got = Array.from(apply('MATH_EXP', x));
    const want = Array.from(x, (v) => Math.fround(Math.exp(v)));
    expect(got).toEqual(want);
    expect(got.slice(1, 5)).toEqual([Infinity, Infinity, Infinity, Infinity]);
    expect(got.slice(6, 9)).toEqual([0, 0, 0]);
  });

  test('sigmoid saturates cleanly to 0 and 1 (no NaN, no values outside [0, 1])', () => {
    const x = Float32Array.of(
      -1e30,
      Number.NEGATIVE_INFINITY,
      -200,
      -88.8,
      17,
      30,
      200,
      1e30,
      Number.POSITIVE_INFINITY,
    );
    const got = Array.from(apply('MATH_SIGMOID', x));
    expect(got.slice(0, 3)).toEqual([0, 0, 0]);
    expect(got[3]).toBeGreaterThanOrEqual(0);
    expect(got[3]).toBeLessThan(SMALLEST_NORMAL);
    expect(got.slice(5)).toEqual([1, 1, 1, 1]);
    expect(got[4]).toBeCloseTo(1, 7);
  });

  test('results do not depend on the thread count', () => {
    const x = sweep(-30, 30, 1_000_003);
    const y1 = apply('MATH_EXP', x);
    const y2 = apply('MATH_EXP', x, threaded);
    expect(threaded.lastCall.threads).toBe(2);
    expect(y2).toEqual(y1);
  });
});

// Compare numeric arrays elementwise with |a - e| <= atol + rtol * |e| (NaN matches only NaN), reporting the worst
// element (llm.c style).

export interface Tolerance {
  rtol?: number;
  atol?: number;
}

export interface Closeness {
  ok: boolean;
  worstIndex: number;
  worstActual: number;
  worstExpected: number;
  /** excess of the worst element over its allowance; <= 0 when ok */
  worstExcess: number;
  maxAbsDiff: number;
}

type Numeric = ArrayLike<number>;

export function closeness(actual: Numeric, expected: Numeric, tol: Tolerance = {}): Closeness {
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol ?? 1e-6;
  let worstIndex = -1;
  let worstExcess = Number.NEGATIVE_INFINITY;
  let maxAbsDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e || (Number.isNaN(a) && Number.isNaN(e))) continue; // equal (±Infinity too), or NaN where NaN is due
    const diff = Math.abs(a - e);
    const excess = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff - (atol + rtol * Math.abs(e));
    if (!Number.isNaN(diff) && diff > maxAbsDiff) maxAbsDiff = diff;
    if (excess > worstExcess) {
      worstExcess = excess;
      worstIndex = i;
    }
  }
  return {
    ok: actual.length === expected.length && (expected.length === 0 || worstExcess <= 0),
    worstIndex,
    worstActual: worstIndex >= 0 ? actual[worstIndex]! : Number.NaN,
    worstExpected: worstIndex >= 0 ? expected[worstIndex]! : Number.NaN,
    worstExcess,
    maxAbsDiff,
  };
}

/** Throws with the worst element when `actual` is not close to `expected`. */
export function expectClose(actual: Numeric, expected: Numeric, tol: Tolerance = {}, label = 'values'): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: expected length ${expected.length}, got ${actual.length}`);
  }
  const c = closeness(actual, expected, tol);
  if (!c.ok) {
    throw new Error(
      `${label}: element ${c.worstIndex} is ${c.worstActual}, expected ${c.worstExpected} ` +
        `(rtol ${tol.rtol ?? 1e-5}, atol ${tol.atol ?? 1e-6}, max |diff| ${c.maxAbsDiff.toExponential(3)})`,
    );
  }
}

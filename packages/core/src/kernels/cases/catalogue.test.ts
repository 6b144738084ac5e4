import { Buffer } from 'node:buffer';
import { describe, expect, test } from 'vitest';
import { HOST_KERNEL_NAMES, KERNEL_NAMES } from '../types.js';
import { casesFor, KERNEL_CASES, KERNELS_WITHOUT_CASES } from './catalogue.js';

/**
 * Expects `b` to hold what `a` holds: typed arrays of the same type compared byte for byte (NaN payloads included;
 * element-wise toEqual took seconds per large case), nested objects key by key, anything else with toEqual.
 */
function expectSameArguments(b: unknown, a: unknown, where: string): void {
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    expect(b.constructor, where).toBe(a.constructor);
    const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    expect(bytes(b).equals(bytes(a)), `${where}: expected the same bytes`).toBe(true);
  } else if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
    expect(Object.keys(b), where).toEqual(Object.keys(a));
    for (const key of Object.keys(a))
      expectSameArguments(
        (b as Record<string, unknown>)[key],
        (a as Record<string, unknown>)[key],
        `${where}.${key}`,
      );
  } else expect(b, where).toEqual(a);
}

describe('the kernel case catalogue', () => {
  test('every kernel has cases, each with a unique name', () => {
    expect(KERNELS_WITHOUT_CASES).toEqual([]);
    const names = KERNEL_CASES.map((c) => `${c.kernel} ${c.name}`);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    const kernels = [...KERNEL_NAMES, ...HOST_KERNEL_NAMES];
    expect(kernels.reduce((sum, k) => sum + casesFor(k).length, 0)).toBe(KERNEL_CASES.length);
  });

  test('a case builds the same arguments every time, and fresh ones (never shared between runs)', () => {
    for (const c of KERNEL_CASES.filter((_, i) => i % 7 === 0)) {
      const [first, second] = [c.args(), c.args()];
      expectSameArguments(second, first, `${c.kernel} ${c.name}`);
      for (const key of Object.keys(c.tolerances)) {
        if (ArrayBuffer.isView(first[key])) expect(second[key]).not.toBe(first[key]);
      }
    }
  });

  test('every output a case names is one of its arguments: an array, or an optional one it leaves out', () => {
    for (const c of KERNEL_CASES) {
      const args = c.args();
      expect(Object.keys(c.tolerances).length, `${c.kernel} ${c.name}`).toBeGreaterThan(0);
      for (const key of Object.keys(c.tolerances)) {
        expect(
          args[key] === undefined || ArrayBuffer.isView(args[key]),
          `${c.kernel} ${c.name}: ${key}`,
        ).toBe(true);
      }
    }
  });
});

// @lora/core's kernel case catalogue as the wasm kernel tests run it: the cases of the kernels this package serves,
// and the outputs the wasm kernels compute bit for bit as the reference does (float64 sums rounded once, the same
// float32 operations in the same order, copies) — checked exactly; every other output within the case's tolerance.
import { casesFor, type KernelCase, resolveTolerance } from '@lora/core';
import { expectClose } from '@lora/testing';
import { expect } from 'vitest';
import type { ElementwiseKernelName } from '../elementwise-register.js';

export const EXACT_OUTPUTS: { readonly [K in ElementwiseKernelName]?: readonly string[] } = {
  crossEntropyChunk: ['runningMax', 'targetLogit'],
  embedding: ['out'],
  embeddingBackward: ['dtableAccumulate'],
  adamw: ['param', 'm', 'v'],
  fill: ['x'],
  stridedCopy: ['dst'],
  add: ['out'],
  mul: ['out'],
  axpy: ['y'],
  scale: ['out'],
  addBias: ['x'],
  columnSums: ['outAccumulate'],
  dropout: ['out'],
  uniformNoise: ['x'],
  argmaxChunk: ['bestValue', 'bestIndex'],
  countNonFinite: ['out'],
  gradClip: ['factor'],
  dequantizeAbsmax: ['out'],
  quantize4bitBlockwise: ['packed', 'absmax'],
};

/** The catalogue's cases of `kernels`, as [`kernel name`, case] rows for test.each. */
export function caseRows(kernels: readonly ElementwiseKernelName[]): (readonly [string, KernelCase])[] {
  return kernels.flatMap((k) => casesFor(k).map((c) => [`${c.kernel} ${c.name}`, c] as const));
}

/** The same values: −0 is not +0, NaN equals NaN (the byte comparison first: toEqual is slow on long arrays). */
export function expectSame(actual: unknown, expected: unknown, label: string): void {
  const bytes = (a: unknown) => {
    const v = a as ArrayBufferView;
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  };
  if (!bytes(actual).equals(bytes(expected))) expect(actual, label).toEqual(expected);
}

/** Each output of `c` in `got` against the reference's `expected`: exactly where wasm is exact, else in tolerance. */
export function expectOutputs(
  c: KernelCase,
  got: Record<string, unknown>,
  expected: Record<string, unknown>,
): void {
  const exact = EXACT_OUTPUTS[c.kernel as ElementwiseKernelName] ?? [];
  for (const [key, tolerance] of Object.entries(c.tolerances)) {
    if (expected[key] === undefined) continue; // an optional output this case leaves out
    const label = `${c.kernel} ${c.name}: ${key}`;
    if (exact.includes(key)) expectSame(got[key], expected[key], label);
    else {
      const want = expected[key] as Float32Array;
      expectClose(got[key] as Float32Array, want, resolveTolerance(tolerance, want), label);
    }
  }
}

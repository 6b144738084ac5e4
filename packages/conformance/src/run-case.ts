// Runs one conformance case on a kernel implementation and compares what it wrote with the reference's result.
import { expectClose } from '@lora/testing';
import type { ConformanceCase } from './cases.js';
import { resolveTolerance } from './tolerances.js';

/** The arguments a kernel wrote, copied, by name. */
export type CaseOutputs = Map<string, Float32Array>;

/** Runs `impl` on the case's fresh seeded arguments and returns copies of the arguments it writes. */
export function runCase(impl: unknown, c: ConformanceCase): CaseOutputs {
  const args = c.args();
  (impl as (a: Record<string, unknown>) => void)(args);
  const outputs: CaseOutputs = new Map();
  for (const key of Object.keys(c.tolerances)) {
    const value = args[key];
    if (value instanceof Float32Array) outputs.set(key, value.slice());
  }
  return outputs;
}

/** Throws (with the worst element) unless `impl` reproduces `expected` within the case's tolerances. */
export function checkCase(impl: unknown, c: ConformanceCase, expected: CaseOutputs, label: string): void {
  const got = runCase(impl, c);
  for (const [key, want] of expected) {
    const actual = got.get(key);
    if (!actual)
      throw new Error(`${label} ${c.kernel} ${c.name}: expected ${key} as a Float32Array, got none`);
    expectClose(
      actual,
      want,
      resolveTolerance(c.tolerances[key]!, want),
      `${label} ${c.kernel} ${c.name}: ${key}`,
    );
  }
}

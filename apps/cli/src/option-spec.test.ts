// Every numeric option of every verb has an allowed range, so an absurd magnitude (epochs: 1e300 planned 1.2e302
// steps and ran on) is refused where it enters, and every default lies inside its own range.
import { describe, expect, test } from 'vitest';
import type { OptionSpec } from './option-spec.js';
import { coerce } from './options.js';
import { VERBS } from './verbs.js';

const numeric: [string, OptionSpec][] = VERBS.flatMap((verb) =>
  verb.options
    .filter((s) => s.type === 'int' || s.type === 'number')
    .map((s): [string, OptionSpec] => [`${verb.name} --${s.key.replace(/_/g, '-')}`, s]),
);

describe('numeric options have sane ranges', () => {
  test('there are numeric options to check', () => {
    expect(numeric.length).toBeGreaterThan(30);
  });

  test.each(numeric)('%s has a finite min and max', (_, spec) => {
    expect(Number.isFinite(spec.min), `min of ${spec.key}`).toBe(true);
    expect(Number.isFinite(spec.max), `max of ${spec.key}`).toBe(true);
    expect(spec.max!).toBeLessThanOrEqual(2 ** 32);
  });

  test.each(numeric.filter(([, s]) => s.default !== undefined))('%s: its default is allowed', (_, spec) => {
    expect(coerce(spec, spec.default, spec.key, '/', (m) => new Error(m))).toBe(spec.default);
  });

  test.each(numeric)('%s refuses 1e300, NaN and Infinity', (_, spec) => {
    for (const raw of [1e300, '1e300', Number.NaN, 'NaN', Number.POSITIVE_INFINITY, '-Infinity', null]) {
      expect(() => coerce(spec, raw, spec.key, '/', (m) => new Error(m)), String(raw)).toThrow(
        /expected .*, got (NaN|Infinity|-Infinity|null|number 1e\+300|"1e300")/,
      );
    }
  });
});

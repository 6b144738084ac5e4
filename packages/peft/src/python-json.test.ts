import { describe, expect, test } from 'vitest';
import { PyFloat, pythonFloatRepr, pythonJsonDumps } from './python-json.js';

// Expected strings are CPython 3.11's repr(float) and json.dumps output for the same values.
describe('pythonFloatRepr', () => {
  test.each([
    [0.05, '0.05'],
    [1e-5, '1e-05'],
    [1e16, '1e+16'],
    [123.456, '123.456'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-4, '0.0001'],
    [2.5e-7, '2.5e-07'],
    [100, '100.0'],
    [-0, '-0.0'],
    [1.5e300, '1.5e+300'],
    [1.2345678901234568e16, '1.2345678901234568e+16'], // 12345678901234567.0 rounds to this double
    [0, '0.0'],
    [-3.25, '-3.25'],
    [1e15, '1000000000000000.0'],
    [5e-324, '5e-324'],
    [1 / 3, '0.3333333333333333'],
    [2 ** -20, '9.5367431640625e-07'],
  ])('repr(%s) = %s', (x, expected) => {
    expect(pythonFloatRepr(x)).toBe(expected);
  });
});

describe('pythonJsonDumps', () => {
  test('matches json.dumps(indent=2, sort_keys=True) with code-point key order and ensure_ascii', () => {
    const value = { b: [1, 2.5, { z: null, a: [] }], a: {}, é: 'ü\u2028\u007f', '\u{1F600}': true, Z: [[]] };
    const expected = [
      '{',
      '  "Z": [',
      '    []',
      '  ],',
      '  "a": {},',
      '  "b": [',
      '    1,',
      '    2.5,',
      '    {',
      '      "a": [],',
      '      "z": null',
      '    }',
      '  ],',
      '  "\\u00e9": "\\u00fc\\u2028\\u007f",',
      '  "\\ud83d\\ude00": true',
      '}',
    ].join('\n');
    expect(pythonJsonDumps(value, 2)).toBe(expected);
  });

  test('indent 4 and a value Python holds as a float', () => {
    const expected =
      '{\n    "a": "x",\n    "b": [\n        1,\n        {\n            "c": 0.0\n        }\n    ]\n}';
    expect(pythonJsonDumps({ b: [1, { c: new PyFloat(0) }], a: 'x' }, 4)).toBe(expected);
  });
});

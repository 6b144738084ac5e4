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
    [-2.5e-7, '-2.5e-07'],
    [100, '100.0'],
    [1, '1.0'],
    [-0, '-0.0'],
    [1.5e300, '1.5e+300'],
    [1.5e16, '1.5e+16'],
    [1.2345678901234568e16, '1.2345678901234568e+16'], // 12345678901234567.0 rounds to this double
    [0, '0.0'],
    [-3.25, '-3.25'],
    [0.012345678, '0.012345678'],
    [1e15, '1000000000000000.0'],
    [5e-324, '5e-324'],
    [1 / 3, '0.3333333333333333'],
    [2 ** -20, '9.5367431640625e-07'],
    [Number.NaN, 'NaN'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ])('repr(%s) = %s', (x, expected) => {
    expect(pythonFloatRepr(x)).toBe(expected);
  });
});

describe('pythonJsonDumps, one line (no indent): ", " and ": " separators, keys in insertion order', () => {
  test.each([
    [{}, '{}'],
    [[], '[]'],
    [
      // bitsandbytes' packed quant state
      {
        quant_type: 'nf4',
        blocksize: 64,
        dtype: 'float32',
        shape: [4, 64],
        nested_blocksize: 256,
        nested_dtype: 'float32',
        nested_offset: new PyFloat(0.012345678),
      },
      '{"quant_type": "nf4", "blocksize": 64, "dtype": "float32", "shape": [4, 64], "nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": 0.012345678}',
    ],
    [
      { b: [1, 2.5, { z: null, a: [] }], a: {}, é: [Number.NaN, Number.POSITIVE_INFINITY, -1e-7] },
      '{"b": [1, 2.5, {"z": null, "a": []}], "a": {}, "\\u00e9": [NaN, Infinity, -1e-07]}',
    ],
  ])('%j', (value, text) => {
    expect(pythonJsonDumps(value)).toBe(text);
  });
});

describe('pythonJsonDumps with indent and sortKeys', () => {
  test.each([
    [{}, 2, '{}'],
    [[], 2, '[]'],
    [
      { b: [1, { a: null }], a: true },
      2,
      '{\n  "a": true,\n  "b": [\n    1,\n    {\n      "a": null\n    }\n  ]\n}',
    ],
    [{ '\u007f\n': '"' }, 2, '{\n  "\\u007f\\n": "\\""\n}'],
    [
      { b: [1, { c: new PyFloat(0) }], a: 'x' },
      4,
      '{\n    "a": "x",\n    "b": [\n        1,\n        {\n            "c": 0.0\n        }\n    ]\n}',
    ],
    [{ b: 1, a: [1, {}] }, 0, '{\n"a": [\n1,\n{}\n],\n"b": 1\n}'],
  ])('%j, indent %i', (value, indent, text) => {
    expect(pythonJsonDumps(value, { indent, sortKeys: true })).toBe(text);
  });

  test('indent without sortKeys keeps the insertion order', () => {
    expect(pythonJsonDumps({ b: 1, a: [1, {}] }, { indent: 3 })).toBe(
      '{\n   "b": 1,\n   "a": [\n      1,\n      {}\n   ]\n}',
    );
  });

  test('code-point key order and ensure_ascii, astral characters as surrogate pairs', () => {
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
    expect(pythonJsonDumps(value, { indent: 2, sortKeys: true })).toBe(expected);
  });
});

describe('pythonJsonDumps refuses what Python would not write the same', () => {
  test.each([
    [2 ** 53, /expected a safe integer \(or a PyFloat for a float\), got 9007199254740992/],
    [() => 1, /expected JSON data, got a value of type function/],
    [10n, /expected JSON data, got a value of type bigint/],
  ])('%s', (value, message) => {
    expect(() => pythonJsonDumps({ key: value })).toThrow(TypeError);
    expect(() => pythonJsonDumps({ key: value })).toThrow(message);
  });
});

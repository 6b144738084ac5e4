// JSON text exactly as CPython's `json.dumps(obj, indent=..., sort_keys=...)` writes it, for files whose bytes must
// equal the reference's: transformers' model.safetensors.index.json (indent 2, sorted), PEFT's adapter_config.json
// (indent 2, sorted), mlx-lm's adapter_config.json (indent 4, sorted), bitsandbytes' packed quant state (one line).
// Written by hand rather than via JSON.stringify: JS objects enumerate integer-like keys first, JS sorts strings by
// UTF-16 unit, JSON.stringify keeps non-ASCII, and a JS number does not say whether Python held an int or a float.

/** A number Python holds as a float: written with repr(float), e.g. 0.0, 0.05, 1e-05 (a bare 8 is written 8). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** repr(float(x)): shortest round-trip digits, scientific below 1e-4 and from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  const exp = Number(exponent);
  if (exp < -4 || exp >= 16)
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${whole}.${frac.length > 0 ? frac : '0'}`;
}

/** A JSON string with ensure_ascii: everything outside printable ASCII as \uXXXX (lowercase hex), as Python does. */
function pyString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Python sorts dict keys by code point; JS compares UTF-16 units, which differs above U+FFFF. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Options of `pythonJsonDumps`: Python's `indent` and `sort_keys`. */
export interface PythonJsonOptions {
  /** json.dumps' `indent`: spaces per level, one item per line, `","` between items; omitted, one line with `", "` */
  indent?: number;
  /** json.dumps' `sort_keys`: keys by code point; otherwise in the object's own order (default false) */
  sortKeys?: boolean;
}

function dump(value: unknown, options: PythonJsonOptions, depth: number): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pythonFloatRepr(value.value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return pythonFloatRepr(value);
    if (!Number.isSafeInteger(value))
      throw new TypeError(
        `pythonJsonDumps: expected a safe integer (or a PyFloat for a float), got ${String(value)}`,
      );
    return String(value);
  }
  const { indent } = options;
  const inner = indent === undefined ? '' : `\n${' '.repeat(indent * (depth + 1))}`;
  const outer = indent === undefined ? '' : `\n${' '.repeat(indent * depth)}`;
  const separator = indent === undefined ? ', ' : `,${inner}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${inner}${value.map((v) => dump(v, options, depth + 1)).join(separator)}${outer}]`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (options.sortKeys) keys.sort(compareCodePoints);
    if (keys.length === 0) return '{}';
    const items = keys.map(
      (k) => `${pyString(k)}: ${dump((value as Record<string, unknown>)[k], options, depth + 1)}`,
    );
    return `{${inner}${items.join(separator)}${outer}}`;
  }
  throw new TypeError(`pythonJsonDumps: expected JSON data, got a value of type ${typeof value}`);
}

/**
 * `json.dumps(value, indent=indent, sort_keys=sortKeys)` with Python's defaults otherwise (ensure_ascii, allow_nan),
 * no trailing newline. Integral numbers are written as ints, others as floats; wrap a float Python would write as
 * `1.0` in PyFloat. undefined is written null. Without sortKeys, keys keep JS's order (integer-like keys first).
 * Throws TypeError for an integer beyond 2^53 and for functions, symbols and bigints.
 */
export function pythonJsonDumps(value: unknown, options: PythonJsonOptions = {}): string {
  return dump(value, options, 0);
}

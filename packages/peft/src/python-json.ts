// JSON text exactly as Python's `json.dumps(obj, indent=n, sort_keys=True)` writes it: PEFT's adapter_config.json
// (indent 2) and mlx-lm's (indent 4). Python keeps int and float apart (8 vs 8.0); a JS number is written as an int
// when integral, so values Python holds as floats are wrapped in PyFloat.

/** A number Python holds as a float: written with repr(float), e.g. 0.0, 0.05, 1e-05. */
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

function dump(value: unknown, indent: number, depth: number): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pythonFloatRepr(value.value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloatRepr(value);
  const inner = `\n${' '.repeat(indent * (depth + 1))}`;
  const outer = `\n${' '.repeat(indent * depth)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${inner}${value.map((v) => dump(v, indent, depth + 1)).join(`,${inner}`)}${outer}]`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).sort(compareCodePoints);
    if (keys.length === 0) return '{}';
    const items = keys.map(
      (k) => `${pyString(k)}: ${dump((value as Record<string, unknown>)[k], indent, depth + 1)}`,
    );
    return `{${inner}${items.join(`,${inner}`)}${outer}}`;
  }
  throw new TypeError(`pythonJsonDumps: cannot write a value of type ${typeof value}`);
}

/** json.dumps(value, indent=indent, sort_keys=True) — no trailing newline, as Python writes it. */
export function pythonJsonDumps(value: unknown, indent: number): string {
  return dump(value, indent, 0);
}

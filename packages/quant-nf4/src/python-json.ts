// json.dumps with Python's default separators (", " and ": ") and float repr, so the quant state bytes we
// write equal the ones bitsandbytes writes.

/** A number to print as a Python float (always with a fraction or exponent: 1.0, 1e-05). */
export interface PythonFloat {
  pythonFloat: number;
}

/** repr(float(x)) in Python: shortest round-trip digits, scientific below 1e-4 or from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  const digits = x.toExponential().replace('+', ''); // shortest round-trip, e.g. "1.2345e-5"
  if (exp < -4 || exp >= 16) {
    const [mant, e] = digits.split('e') as [string, string];
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = String(x);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object' && 'pythonFloat' in (value as object)) return pythonFloatRepr((value as PythonFloat).pythonFloat);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloatRepr(value);
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${pythonJsonDumps(v)}`);
  return `{${entries.join(', ')}}`;
}

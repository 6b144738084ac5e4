// JSON text as Python's `json.dumps(obj, indent=2, sort_keys=True)` writes it (transformers' index.json format).
// Written by hand rather than via JSON.stringify: JS objects enumerate integer-like keys first, Python does not.

function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** A JSON string with ensure_ascii: everything outside printable ASCII as \uXXXX (lowercase hex). */
function pyString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function dump(value: unknown, depth: number): string {
  const pad = '  '.repeat(depth + 1);
  const end = `\n${'  '.repeat(depth)}`;
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new TypeError(`pythonJsonDumps: expected integers only, got ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => pad + dump(v, depth + 1)).join(',\n')}${end}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => compareCodePoints(a, b));
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${pad}${pyString(k)}: ${dump(v, depth + 1)}`).join(',\n')}${end}}`;
  }
  throw new TypeError(`pythonJsonDumps: cannot encode ${typeof value}`);
}

/** Keys sorted by code point, two-space indent, `": "` and `","` separators, non-ASCII escaped. */
export function pythonJsonDumps(value: unknown): string {
  return dump(value, 0);
}

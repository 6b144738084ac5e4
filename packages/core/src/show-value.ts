// How an error message shows a value it got: JSON where JSON says it (strings quoted, objects), and the values JSON
// would hide — NaN and ±Infinity print as themselves (JSON.stringify gives "null"), undefined as "nothing".

/** `got ${showValue(v)}` in an error message. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
    );
  } catch {
    return String(value); // cycles
  }
}

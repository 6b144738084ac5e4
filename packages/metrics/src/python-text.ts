// Python str semantics that the reference metrics rely on: str.split()/strip() whitespace and code-point iteration.

/**
 * The characters Python's `str.split()` and `str.strip()` treat as whitespace (`str.isspace()`): JavaScript's `\s`
 * differs (it has U+FEFF, and lacks U+001C–U+001F and U+0085), so sacreBLEU parity needs this exact set.
 */
const PY_WS = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_RUN = new RegExp(`[${PY_WS}]+`, 'u');
const PY_WS_RUN_G = new RegExp(`[${PY_WS}]+`, 'gu');
const PY_LEADING = new RegExp(`^[${PY_WS}]+`, 'u');
const PY_TRAILING = new RegExp(`[${PY_WS}]+$`, 'u');

/** Python `s.split()`: split on runs of whitespace, dropping empty pieces. */
export function pySplit(s: string): string[] {
  return s.split(PY_WS_RUN).filter((t) => t.length > 0);
}

/** Python `''.join(s.split())`: remove every whitespace character. */
export function pyRemoveWhitespace(s: string): string {
  return s.replace(PY_WS_RUN_G, '');
}

/** Python `s.strip()`. */
export function pyStrip(s: string): string {
  return s.replace(PY_LEADING, '').replace(PY_TRAILING, '');
}

/** Python `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(PY_TRAILING, '');
}

/** The code points of `s` (Python indexes strings by code point, JavaScript by UTF-16 unit). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

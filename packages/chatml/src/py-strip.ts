// Python's str.strip() (what jinja2's `trim` filter and `.strip()` call), which differs from String.prototype.trim:
// Python strips U+001C..U+001F and U+0085 and keeps U+FEFF; JavaScript does the opposite.

// The characters for which str.isspace() is true (CPython 3.11).
const PY_WHITESPACE = new Set(
  '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a' +
    '\u2028\u2029\u202f\u205f\u3000',
);

/** `s.strip()` as CPython defines whitespace (str.isspace). */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && PY_WHITESPACE.has(s[start]!)) start++;
  while (end > start && PY_WHITESPACE.has(s[end - 1]!)) end--;
  return s.slice(start, end);
}

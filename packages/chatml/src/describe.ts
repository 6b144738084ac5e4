// Short descriptions of values and strings for error messages ("got number 3", "got \"<|im_end|>\"").

/** `null`, `undefined`, `array`, `object`, or the typeof name followed by a short rendering of the value. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'object') return 'object';
  if (typeof value === 'string') return `string ${quote(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** JSON-quoted, cut to `max` characters with an ellipsis. */
export function quote(text: string, max = 40): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Where two strings first differ, as `at char N: expected "…", got "…"`, for prefix-stability errors. */
export function describeDifference(expected: string, actual: string): string {
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const from = Math.max(0, i - 10);
  return `at char ${i}: expected ${quote(expected.slice(from, i + 30))}, got ${quote(actual.slice(from, i + 30))}`;
}

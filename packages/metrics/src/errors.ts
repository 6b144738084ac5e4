// The one named error of @lora/metrics: bad input at a public boundary, with what was expected and what was found.

/** A metric or report got input it cannot score; the message reads `what failed: expected X, got Y`. */
export class MetricsError extends Error {
  override name = 'MetricsError';
}

/** Short, printable rendering of a value for error messages (strings quoted, long ones cut). */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(cut);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) return `array(${value.length})`;
  return typeof value;
}

/** Throws unless `value` is an array (or typed array) of strings; `what` names the argument. */
export function checkStrings(value: unknown, what: string): asserts value is readonly string[] {
  if (!Array.isArray(value))
    throw new MetricsError(`${what}: expected an array of strings, got ${show(value)}`);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') {
      throw new MetricsError(`${what}[${i}]: expected a string, got ${show(value[i])}`);
    }
  }
}

/** Throws when two parallel inputs differ in length, naming both. */
export function checkSameLength(
  a: ArrayLike<unknown>,
  aName: string,
  b: ArrayLike<unknown>,
  bName: string,
): void {
  if (a.length !== b.length) {
    throw new MetricsError(
      `${aName} and ${bName} must have the same length: expected ${bName}.length ${a.length} (= ${aName}.length), got ${b.length}`,
    );
  }
}

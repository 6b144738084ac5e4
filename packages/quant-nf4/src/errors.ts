// Named errors of @lora/quant-nf4: each message says what failed, what was expected and what was found.

/** A quantization call with arguments it cannot honour (shape, values, block size, quant type) or a bad quant state. */
export class QuantizationError extends Error {
  override name = 'QuantizationError';
}

/** `what: element 17 is NaN: expected finite values, got 3 non-finite of 4096` for the first non-finite element. */
export function nonFiniteMessage(what: string, values: ArrayLike<number>, first: number): string {
  let count = 0;
  for (let i = first; i < values.length; i++) if (!Number.isFinite(values[i]!)) count++;
  return `${what}: element ${first} is ${values[first]}: expected finite values, got ${count} non-finite of ${values.length}`;
}

/** How an argument looks in a "got …": typed arrays by class and length, plain arrays said to be plain. */
export function describeArgument(value: unknown): string {
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  if (Array.isArray(value)) return `a plain array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
}

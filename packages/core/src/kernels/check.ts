// Argument checks for kernels at the public boundary: O(1) per call (O(T) for index tables), never per element.

/** A kernel was called with a dimension or buffer that does not fit its contract. */
export class KernelArgumentError extends Error {
  override name = 'KernelArgumentError';
}

/** Every dimension must be a non-negative integer. */
export function checkDims(kernel: string, dims: Record<string, number>): void {
  for (const [key, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new KernelArgumentError(`${kernel}: ${key} expected a non-negative integer, got ${value}`);
    }
  }
}

/** A buffer must hold at least `min` elements (it may be a larger scratch buffer). */
export function checkLength(
  kernel: string,
  label: string,
  array: { readonly length: number } | undefined,
  min: number,
): void {
  if (array === undefined || array === null) {
    throw new KernelArgumentError(
      `${kernel}: ${label} expected an array of at least ${min} elements, got ${array}`,
    );
  }
  if (array.length < min) {
    throw new KernelArgumentError(
      `${kernel}: ${label} expected at least ${min} elements, got ${array.length}`,
    );
  }
}

/** A scalar argument must be finite (and, when `positive`, above zero). */
export function checkFinite(kernel: string, key: string, value: number, positive = false): void {
  if (!Number.isFinite(value) || (positive && value <= 0)) {
    const want = positive ? 'a finite number > 0' : 'a finite number';
    throw new KernelArgumentError(`${kernel}: ${key} expected ${want}, got ${value}`);
  }
}

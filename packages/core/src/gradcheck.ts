// Gradient check against central finite differences in float64 (tinygrad gradcheck, torch.autograd.gradcheck).

/**
 * Thrown by `gradcheck` when an analytic gradient differs from the central finite difference beyond the
 * tolerance.
 */
export class GradcheckError extends Error {
  override name = 'GradcheckError';
}

/** One input of `gradcheck`: its values and the analytic gradient of the loss with respect to them. */
export interface GradcheckInput {
  /** shown in the failure message, e.g. "dx" or "dweight" */
  name: string;
  /** the values the loss reads; perturbed in place during the check and restored after */
  value: Float64Array;
  /** the analytic gradient d loss / d value under test */
  grad: ArrayLike<number>;
}

/** Options of `gradcheck`: the finite-difference step and the relative and absolute tolerances. */
export interface GradcheckOptions {
  /** finite-difference step; 1e-6 balances truncation (≈ eps²) and round-off (≈ 1e-16 / eps) in float64 */
  eps?: number;
  rtol?: number;
  atol?: number;
}

/** Per input, the largest difference `gradcheck` found between analytic and numeric gradients. */
export interface GradcheckResult {
  name: string;
  maxAbsDiff: number;
}

/** d loss / d x by central differences, perturbing x in place (restored after). */
export function numericalGradient(loss: () => number, x: Float64Array, eps = 1e-6): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i]!;
    x[i] = saved + eps;
    const plus = loss();
    x[i] = saved - eps;
    const minus = loss();
    x[i] = saved;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}

/** Σ values · weights: turns a vector output into a scalar loss whose gradient w.r.t. the output is `weights`. */
export function weightedSum(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  if (values.length !== weights.length) {
    throw new GradcheckError(
      `weightedSum: expected weights of length ${values.length}, got ${weights.length}`,
    );
  }
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]! * weights[i]!;
  return sum;
}

/**
 * Checks each input's analytic gradient against central differences of `loss`, elementwise with
 * |analytic − numeric| ≤ atol + rtol·|numeric|. Throws GradcheckError naming the input and its worst element.
 */
export function gradcheck(
  loss: () => number,
  inputs: readonly GradcheckInput[],
  options: GradcheckOptions = {},
): GradcheckResult[] {
  const { eps = 1e-6, rtol = 1e-5, atol = 1e-7 } = options;
  return inputs.map(({ name, value, grad }) => {
    if (grad.length !== value.length) {
      throw new GradcheckError(
        `gradcheck ${name}: expected a gradient of length ${value.length}, got ${grad.length}`,
      );
    }
    const numeric = numericalGradient(loss, value, eps);
    let maxAbsDiff = 0;
    let worst = -1;
    let worstExcess = 0;
    for (let i = 0; i < numeric.length; i++) {
      const diff = Math.abs(grad[i]! - numeric[i]!);
      const excess = Number.isNaN(diff)
        ? Number.POSITIVE_INFINITY
        : diff - (atol + rtol * Math.abs(numeric[i]!));
      if (excess > worstExcess) [worst, worstExcess] = [i, excess];
      if (diff > maxAbsDiff) maxAbsDiff = diff;
    }
    if (worst >= 0) {
      throw new GradcheckError(
        `gradcheck ${name}: element ${worst} is ${grad[worst]}, expected ${numeric[worst]} from finite differences ` +
          `(max |diff| ${maxAbsDiff.toExponential(3)}, rtol ${rtol}, atol ${atol})`,
      );
    }
    return { name, maxAbsDiff };
  });
}

/**
 * Lets float64 data through a kernel signature typed Float32Array: reference kernels only index and sum in
 * JS numbers, so they run unchanged (and exactly) on Float64Array — which is what gradient checks need.
 */
export function asKernelArray(values: Float64Array): Float32Array {
  return values as unknown as Float32Array;
}

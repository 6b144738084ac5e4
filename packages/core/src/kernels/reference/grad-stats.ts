// Reference gradient statistics for the optimizer step (torch.nn.utils.clip_grad_norm_, the trainer's NaN guard).
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength, KernelArgumentError } from '../check.js';
import type { CountNonFiniteArgs, GradClipArgs, SumSquaresArgs } from '../types.js';

/** Check the arguments of a reduction to one value (`sumSquares`, `countNonFinite`); throws KernelArgumentError. */
export function checkReductionArgs(kernel: string, args: SumSquaresArgs): void {
  checkDims(kernel, { n: args.n });
  checkLength(kernel, 'x (n)', args.x, args.n);
  checkLength(kernel, 'out (1)', args.out, 1);
}

/** out[0] += Σ x², summed in float64 and added once. */
export function sumSquares(args: HostArgs<SumSquaresArgs>): void {
  checkReductionArgs('sumSquares', args);
  const { x, n, out } = args;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i]! * x[i]!;
  out[0] = out[0]! + sum;
}

/** Check `gradClip`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkGradClipArgs(args: GradClipArgs): void {
  checkLength('gradClip', 'sumSquares (1)', args.sumSquares, 1);
  checkLength('gradClip', 'factor (1)', args.factor, 1);
  if (Number.isNaN(args.maxNorm) || args.maxNorm === Number.POSITIVE_INFINITY)
    throw new KernelArgumentError(
      `gradClip: maxNorm expected a finite number (≤ 0: no clipping), got ${args.maxNorm}`,
    );
}

/** factor = min(1, maxNorm / (√sumSquares + 1e-6)), 1 without clipping, NaN when the norm is not finite. */
export function gradClip(args: HostArgs<GradClipArgs>): void {
  checkGradClipArgs(args);
  const norm = Math.sqrt(args.sumSquares[0]!);
  if (!Number.isFinite(norm)) args.factor[0] = Number.NaN;
  else args.factor[0] = args.maxNorm > 0 ? Math.min(1, args.maxNorm / (norm + 1e-6)) : 1;
}

/** out[0] += the count of NaN and ±Infinity in x. */
export function countNonFinite(args: HostArgs<CountNonFiniteArgs>): void {
  checkReductionArgs('countNonFinite', args);
  const { x, n, out } = args;
  let count = 0;
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) count++;
  out[0] = out[0]! + count;
}

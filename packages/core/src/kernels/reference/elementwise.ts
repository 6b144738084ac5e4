// Reference elementwise arithmetic and bias kernels (torch add/mul/axpy-style ops, nn.Linear's bias and its grad).
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkFinite, checkLength } from '../check.js';
import type { AddArgs, AddBiasArgs, AxpyArgs, ColumnSumsArgs, MulArgs, ScaleArgs } from '../types.js';

/**
 * Check the arguments of a binary elementwise kernel (`add`, `mul`); throws KernelArgumentError naming the
 * bad one.
 */
export function checkBinaryArgs(kernel: string, args: AddArgs): void {
  checkDims(kernel, { n: args.n });
  for (const key of ['a', 'b', 'out'] as const) checkLength(kernel, `${key} (n)`, args[key], args.n);
}

export function add(args: HostArgs<AddArgs>): void {
  checkBinaryArgs('add', args);
  const { a, b, out, n } = args;
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
}

export function mul(args: HostArgs<MulArgs>): void {
  checkBinaryArgs('mul', args);
  const { a, b, out, n } = args;
  for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
}

/** Check `axpy`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkAxpyArgs(args: AxpyArgs): void {
  checkDims('axpy', { n: args.n });
  checkLength('axpy', 'x (n)', args.x, args.n);
  checkLength('axpy', 'y (n)', args.y, args.n);
  checkFinite('axpy', 'alpha', args.alpha);
}

/** y += alpha · x, each output rounded once. */
export function axpy(args: HostArgs<AxpyArgs>): void {
  checkAxpyArgs(args);
  const { x, y, n, alpha } = args;
  for (let i = 0; i < n; i++) y[i] = y[i]! + alpha * x[i]!;
}

/** Check `scale`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkScaleArgs(args: ScaleArgs): void {
  checkDims('scale', { n: args.n });
  checkLength('scale', 'x (n)', args.x, args.n);
  checkLength('scale', 'out (n)', args.out, args.n);
  checkFinite('scale', 'alpha', args.alpha);
}

export function scale(args: HostArgs<ScaleArgs>): void {
  checkScaleArgs(args);
  const { x, out, n, alpha } = args;
  for (let i = 0; i < n; i++) out[i] = alpha * x[i]!;
}

/** Check `addBias`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkAddBiasArgs(args: AddBiasArgs): void {
  const { rows, cols } = args;
  checkDims('addBias', { rows, cols });
  checkLength('addBias', 'x (T, C)', args.x, rows * cols);
  checkLength('addBias', 'bias (C)', args.bias, cols);
}

/** x[r, :] += bias. */
export function addBias(args: HostArgs<AddBiasArgs>): void {
  checkAddBiasArgs(args);
  const { x, bias, rows, cols } = args;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) x[base + j] = x[base + j]! + bias[j]!; // (T, C)
  }
}

/** Check `columnSums`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkColumnSumsArgs(args: ColumnSumsArgs): void {
  const { rows, cols } = args;
  checkDims('columnSums', { rows, cols });
  checkLength('columnSums', 'x (T, C)', args.x, rows * cols);
  checkLength('columnSums', 'outAccumulate (C)', args.outAccumulate, cols);
}

/** outAccumulate[j] += Σ_r x[r, j], summed in float64 and added once. */
export function columnSums(args: HostArgs<ColumnSumsArgs>): void {
  checkColumnSumsArgs(args);
  const { x, outAccumulate: out, rows, cols } = args;
  const sums = new Float64Array(cols); // (C)
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) sums[j]! += x[base + j]!;
  }
  for (let j = 0; j < cols; j++) out[j] = out[j]! + sums[j]!;
}

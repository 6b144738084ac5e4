// Reference row softmax and its backward (torch.softmax(x, dim=-1) and its autograd: dx = y ⊙ (dy − Σ y·dy)).
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength } from '../check.js';
import type { SoftmaxArgs, SoftmaxBackwardArgs } from '../types.js';

/** Check `softmax`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkSoftmaxArgs(args: SoftmaxArgs): void {
  const { rows, cols } = args;
  checkDims('softmax', { rows, cols });
  checkLength('softmax', 'x (T, C)', args.x, rows * cols);
  checkLength('softmax', 'out (T, C)', args.out, rows * cols);
}

/** Numerically stable: exp(x − rowmax); each output is rounded once (exp is recomputed, never stored). */
export function softmax(args: HostArgs<SoftmaxArgs>): void {
  checkSoftmaxArgs(args);
  const { x, out, rows, cols } = args;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = Number.NEGATIVE_INFINITY; // a row of only -Infinity gives NaN, as in torch
    for (let c = 0; c < cols; c++) max = Math.max(max, x[base + c]!);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[base + c]! - max);
    const inv = 1 / sum;
    for (let c = 0; c < cols; c++) out[base + c] = Math.exp(x[base + c]! - max) * inv; // (T, C)
  }
}

/** Check `softmaxBackward`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkSoftmaxBackwardArgs(args: SoftmaxBackwardArgs): void {
  const { rows, cols } = args;
  checkDims('softmaxBackward', { rows, cols });
  checkLength('softmaxBackward', 'y (T, C)', args.y, rows * cols);
  checkLength('softmaxBackward', 'dy (T, C)', args.dy, rows * cols);
  checkLength('softmaxBackward', 'dx (T, C)', args.dx, rows * cols);
}

export function softmaxBackward(args: HostArgs<SoftmaxBackwardArgs>): void {
  checkSoftmaxBackwardArgs(args);
  const { y, dy, dx, rows, cols } = args;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += y[base + c]! * dy[base + c]!;
    for (let c = 0; c < cols; c++) dx[base + c] = y[base + c]! * (dy[base + c]! - dot); // (T, C)
  }
}

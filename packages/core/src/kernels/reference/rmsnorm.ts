// Reference RMSNorm (transformers LlamaRMSNorm; GemmaRMSNorm with weightOffset 1) and its backward (llm.c style).
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkFinite, checkLength } from '../check.js';
import type { RmsnormArgs, RmsnormBackwardArgs } from '../types.js';

/** Check `rmsnorm`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkRmsnormArgs(args: RmsnormArgs): void {
  const { rows, cols } = args;
  checkDims('rmsnorm', { rows, cols });
  checkFinite('rmsnorm', 'eps', args.eps);
  checkLength('rmsnorm', 'x (T, C)', args.x, rows * cols);
  checkLength('rmsnorm', 'weight (C)', args.weight, cols);
  checkLength('rmsnorm', 'out (T, C)', args.out, rows * cols);
  checkLength('rmsnorm', 'rstd (T)', args.rstd, rows);
}

/** out = x · rstd · (weightOffset + w), rstd = 1 / sqrt(mean(x²) + eps), written per row for the backward. */
export function rmsnorm(args: HostArgs<RmsnormArgs>): void {
  checkRmsnormArgs(args);
  const { x, weight, out, rstd, rows, cols, eps } = args;
  const offset = args.weightOffset ?? 0;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += x[base + c]! * x[base + c]!;
    const rs = 1 / Math.sqrt(ss / cols + eps);
    rstd[r] = rs; // (T)
    for (let c = 0; c < cols; c++) out[base + c] = x[base + c]! * rs * (offset + weight[c]!); // (T, C)
  }
}

/** Check `rmsnormBackward`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkRmsnormBackwardArgs(args: RmsnormBackwardArgs): void {
  const { rows, cols } = args;
  checkDims('rmsnormBackward', { rows, cols });
  for (const [label, arr] of [
    ['dout (T, C)', args.dout],
    ['x (T, C)', args.x],
    ['dx (T, C)', args.dx],
  ] as const) {
    checkLength('rmsnormBackward', label, arr, rows * cols);
  }
  checkLength('rmsnormBackward', 'weight (C)', args.weight, cols);
  checkLength('rmsnormBackward', 'rstd (T)', args.rstd, rows);
  if (args.dweightAccumulate)
    checkLength('rmsnormBackward', 'dweightAccumulate (C)', args.dweightAccumulate, cols);
}

/**
 * With g = dout · (weightOffset + w) and x̂ = x · rstd: dx = rstd · (g − x̂ · mean(g · x̂)),
 * dweight += Σ_rows dout · x̂ (summed in float64, added once).
 */
export function rmsnormBackward(args: HostArgs<RmsnormBackwardArgs>): void {
  checkRmsnormBackwardArgs(args);
  const { dout, x, weight, rstd, dx, dweightAccumulate: dw, rows, cols } = args;
  const offset = args.weightOffset ?? 0;
  const dwSum = dw ? new Float64Array(cols) : undefined;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const rs = rstd[r]!;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += dout[base + c]! * (offset + weight[c]!) * x[base + c]! * rs;
    const mean = dot / cols;
    for (let c = 0; c < cols; c++) {
      const xhat = x[base + c]! * rs;
      dx[base + c] = rs * (dout[base + c]! * (offset + weight[c]!) - xhat * mean); // (T, C)
      if (dwSum) dwSum[c]! += dout[base + c]! * xhat;
    }
  }
  if (dw && dwSum) for (let c = 0; c < cols; c++) dw[c]! += dwSum[c]!; // (C)
}

// Reference LayerNorm (torch.nn.functional.layer_norm, biased variance) and its backward (llm.c layernorm_backward).
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkFinite, checkLength } from '../check.js';
import type { LayernormArgs, LayernormBackwardArgs } from '../types.js';

/** Check `layernorm`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkLayernormArgs(args: LayernormArgs): void {
  const { rows, cols } = args;
  checkDims('layernorm', { rows, cols });
  checkFinite('layernorm', 'eps', args.eps);
  checkLength('layernorm', 'x (T, C)', args.x, rows * cols);
  checkLength('layernorm', 'weight (C)', args.weight, cols);
  checkLength('layernorm', 'bias (C)', args.bias, cols);
  checkLength('layernorm', 'out (T, C)', args.out, rows * cols);
  checkLength('layernorm', 'mean (T)', args.mean, rows);
  checkLength('layernorm', 'rstd (T)', args.rstd, rows);
}

/** out = (x − mean) · rstd · w + b with rstd = 1 / sqrt(var + eps); mean and rstd are written per row. */
export function layernorm(args: HostArgs<LayernormArgs>): void {
  checkLayernormArgs(args);
  const { x, weight, bias, out, mean, rstd, rows, cols, eps } = args;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += x[base + c]!;
    const mu = sum / cols;
    let ss = 0; // two passes: the variance never suffers E[x²] − E[x]² cancellation
    for (let c = 0; c < cols; c++) ss += (x[base + c]! - mu) ** 2;
    const rs = 1 / Math.sqrt(ss / cols + eps);
    mean[r] = mu; // (T)
    rstd[r] = rs; // (T)
    for (let c = 0; c < cols; c++) out[base + c] = (x[base + c]! - mu) * rs * weight[c]! + bias[c]!; // (T, C)
  }
}

/** Check `layernormBackward`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkLayernormBackwardArgs(args: LayernormBackwardArgs): void {
  const { rows, cols } = args;
  checkDims('layernormBackward', { rows, cols });
  for (const [label, arr] of [
    ['dout (T, C)', args.dout],
    ['x (T, C)', args.x],
    ['dx (T, C)', args.dx],
  ] as const) {
    checkLength('layernormBackward', label, arr, rows * cols);
  }
  checkLength('layernormBackward', 'weight (C)', args.weight, cols);
  checkLength('layernormBackward', 'mean (T)', args.mean, rows);
  checkLength('layernormBackward', 'rstd (T)', args.rstd, rows);
  if (args.dweightAccumulate)
    checkLength('layernormBackward', 'dweightAccumulate (C)', args.dweightAccumulate, cols);
  if (args.dbiasAccumulate)
    checkLength('layernormBackward', 'dbiasAccumulate (C)', args.dbiasAccumulate, cols);
}

/**
 * With g = dout · w and x̂ = (x − mean) · rstd: dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)),
 * dweight += Σ_rows dout · x̂, dbias += Σ_rows dout (summed in float64, added once).
 */
export function layernormBackward(args: HostArgs<LayernormBackwardArgs>): void {
  checkLayernormBackwardArgs(args);
  const { dout, x, weight, mean, rstd, dx, rows, cols } = args;
  const dw = args.dweightAccumulate;
  const db = args.dbiasAccumulate;
  const dwSum = new Float64Array(dw ? cols : 0);
  const dbSum = new Float64Array(db ? cols : 0);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const mu = mean[r]!;
    const rs = rstd[r]!;
    let gMean = 0;
    let gxMean = 0;
    for (let c = 0; c < cols; c++) {
      const g = dout[base + c]! * weight[c]!;
      gMean += g;
      gxMean += g * (x[base + c]! - mu) * rs;
    }
    gMean /= cols;
    gxMean /= cols;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[base + c]! - mu) * rs;
      dx[base + c] = rs * (dout[base + c]! * weight[c]! - gMean - xhat * gxMean); // (T, C)
      if (dw) dwSum[c]! += dout[base + c]! * xhat;
      if (db) dbSum[c]! += dout[base + c]!;
    }
  }
  if (dw) for (let c = 0; c < cols; c++) dw[c]! += dwSum[c]!; // (C)
  if (db) for (let c = 0; c < cols; c++) db[c]! += dbSum[c]!; // (C)
}

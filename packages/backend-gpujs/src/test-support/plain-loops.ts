// Plain-loop oracles for the tests, written from the kernel contract in @lora/core (float64 accumulation).
import type {
  HostArgs,
  AdamwArgs,
  BatchedMatmulArgs,
  LayernormArgs,
  LayernormBackwardArgs,
  RmsnormArgs,
  RmsnormBackwardArgs,
  RopeArgs,
} from '@lora/core';

export function plainMatmul(args: HostArgs<BatchedMatmulArgs>): void {
  const { a, b, out, m, n, k, batch } = args;
  const alpha = args.alpha ?? 1;
  for (let z = 0; z < batch; z++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = args.transA ? a[z * m * k + p * m + i]! : a[z * m * k + i * k + p]!;
          const bv = args.transB ? b[z * k * n + j * k + p]! : b[z * k * n + p * n + j]!;
          sum += av * bv;
        }
        const o = z * m * n + i * n + j;
        out[o] = (args.accumulate ? out[o]! : 0) + alpha * sum;
      }
    }
  }
}

export function plainSoftmax(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]!);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[r * cols + c]! - max);
    for (let c = 0; c < cols; c++) out[r * cols + c] = Math.exp(x[r * cols + c]! - max) / sum;
  }
  return out;
}

export function plainSoftmaxBackward(
  y: Float32Array,
  dy: Float32Array,
  rows: number,
  cols: number,
): Float32Array {
  const dx = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += y[r * cols + c]! * dy[r * cols + c]!;
    for (let c = 0; c < cols; c++) dx[r * cols + c] = y[r * cols + c]! * (dy[r * cols + c]! - dot);
  }
  return dx;
}

/** RMSNorm forward and backward in one: returns out, rstd, dx and dweight (without accumulation). */
export function plainRmsnorm(args: Omit<HostArgs<RmsnormArgs>, 'out' | 'rstd'> & Pick<HostArgs<RmsnormBackwardArgs>, 'dout'>) {
  const { x, weight, dout, rows, cols, eps } = args;
  const off = args.weightOffset ?? 0;
  const out = new Float32Array(rows * cols);
  const rstd = new Float32Array(rows);
  const dx = new Float32Array(rows * cols);
  const dweight = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += x[r * cols + c]! ** 2;
    const rs = 1 / Math.sqrt(ss / cols + eps);
    rstd[r] = rs;
    let dot = 0; // Σ_c dout · w' · x̂
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      out[i] = x[i]! * rs * (off + weight[c]!);
      dot += dout[i]! * (off + weight[c]!) * x[i]! * rs;
      dweight[c]! += dout[i]! * x[i]! * rs;
    }
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      dx[i] = rs * (dout[i]! * (off + weight[c]!) - x[i]! * rs * (dot / cols));
    }
  }
  return { out, rstd, dx, dweight };
}

/** LayerNorm forward and backward in one: returns out, mean, rstd, dx, dweight and dbias (without accumulation). */
export function plainLayernorm(
  args: Omit<HostArgs<LayernormArgs>, 'out' | 'mean' | 'rstd'> & Pick<HostArgs<LayernormBackwardArgs>, 'dout'>,
) {
  const { x, weight, bias, dout, rows, cols, eps } = args;
  const out = new Float32Array(rows * cols);
  const mean = new Float32Array(rows);
  const rstd = new Float32Array(rows);
  const dx = new Float32Array(rows * cols);
  const dweight = new Float64Array(cols);
  const dbias = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    let mu = 0;
    for (let c = 0; c < cols; c++) mu += x[r * cols + c]! / cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x[r * cols + c]! - mu) ** 2 / cols;
    const rs = 1 / Math.sqrt(v + eps);
    mean[r] = mu;
    rstd[r] = rs;
    let g = 0;
    let gx = 0;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const xhat = (x[i]! - mu) * rs;
      out[i] = xhat * weight[c]! + bias[c]!;
      g += (dout[i]! * weight[c]!) / cols;
      gx += (dout[i]! * weight[c]! * xhat) / cols;
      dweight[c]! += dout[i]! * xhat;
      dbias[c]! += dout[i]!;
    }
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      dx[i] = rs * (dout[i]! * weight[c]! - g - (x[i]! - mu) * rs * gx);
    }
  }
  return { out, mean, rstd, dx, dweight, dbias };
}

/** Rotary embedding by explicit 2×2 rotation of each (i, i + half) pair. */
export function plainRope(args: Omit<HostArgs<RopeArgs>, 'out'>): Float32Array {
  const { x, tokens, heads, headDim, rotaryDim, positions, cos, sin } = args;
  const half = rotaryDim / 2;
  const out = Float32Array.from(x.subarray(0, tokens * heads * headDim));
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const c = cos[positions[t]! * half + i]!;
        const s = (args.inverse ? -1 : 1) * sin[positions[t]! * half + i]!;
        const [x1, x2] = [x[base + i]!, x[base + i + half]!];
        out[base + i] = x1 * c - x2 * s;
        out[base + i + half] = x1 * s + x2 * c;
      }
    }
  }
  return out;
}

export const plainSilu = (v: number): number => v / (1 + Math.exp(-v));
export const plainSiluGrad = (v: number): number => {
  const s = 1 / (1 + Math.exp(-v));
  return s + v * s * (1 - s);
};
const GELU_K = Math.sqrt(2 / Math.PI);
export const plainGelu = (v: number): number => 0.5 * v * (1 + Math.tanh(GELU_K * (v + 0.044715 * v ** 3)));
export const plainGeluGrad = (v: number): number => {
  const t = Math.tanh(GELU_K * (v + 0.044715 * v ** 3));
  return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_K * (1 + 3 * 0.044715 * v * v);
};

/** Cross-entropy over the whole vocab at once: per row lse and the target logit; dlogits for every column. */
export function plainCrossEntropy(
  logits: Float32Array,
  rows: number,
  vocab: number,
  targets: Int32Array,
  rowScale: Float32Array,
) {
  const lse = new Float32Array(rows);
  const targetLogit = new Float32Array(rows);
  const dlogits = new Float32Array(rows * vocab);
  for (let r = 0; r < rows; r++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < vocab; c++) max = Math.max(max, logits[r * vocab + c]!);
    let sum = 0;
    for (let c = 0; c < vocab; c++) sum += Math.exp(logits[r * vocab + c]! - max);
    lse[r] = max + Math.log(sum);
    const t = targets[r]!;
    if (t >= 0) targetLogit[r] = logits[r * vocab + t]!;
    for (let c = 0; c < vocab && t >= 0; c++) {
      dlogits[r * vocab + c] =
        (Math.exp(logits[r * vocab + c]! - lse[r]!) - (c === t ? 1 : 0)) * rowScale[r]!;
    }
  }
  return { lse, targetLogit, dlogits };
}

/** One AdamW step on copies: torch.optim.AdamW's update written out. */
export function plainAdamw(args: HostArgs<AdamwArgs>) {
  const { grad, step, lr, beta1, beta2, eps, weightDecay, n } = args;
  const param = Float32Array.from(args.param);
  const m = Float32Array.from(args.m);
  const v = Float32Array.from(args.v);
  for (let i = 0; i < n; i++) {
    m[i] = beta1 * m[i]! + (1 - beta1) * grad[i]!;
    v[i] = beta2 * v[i]! + (1 - beta2) * grad[i]! ** 2;
    const mHat = m[i]! / (1 - beta1 ** step);
    const vHat = v[i]! / (1 - beta2 ** step);
    param[i] = param[i]! * (1 - lr * weightDecay) - (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
  return { param, m, v };
}

// Reference activations: SiLU (torch.nn.functional.silu) and GELU, tanh approximation (transformers gelu_new = gelu_pytorch_tanh).
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength } from '../check.js';
import type { UnaryArgs, UnaryBackwardArgs } from '../types.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_COEF = 0.044715;

/** n, and the length of every array: x and out, or x, dout and dx for a backward. */
export function checkUnaryArgs(kernel: string, args: UnaryArgs | UnaryBackwardArgs): void {
  const { n } = args;
  checkDims(kernel, { n });
  const arrays = 'dx' in args ? { x: args.x, dout: args.dout, dx: args.dx } : { x: args.x, out: args.out };
  for (const [label, arr] of Object.entries(arrays)) checkLength(kernel, label, arr, n);
}

/** out = x · sigmoid(x) = x / (1 + e^−x). */
export function silu(args: HostArgs<UnaryArgs>): void {
  const { x, out, n } = args;
  checkUnaryArgs('silu', args);
  for (let i = 0; i < n; i++) out[i] = x[i]! / (1 + Math.exp(-x[i]!));
}

/** dx = dout · s · (1 + x · (1 − s)), s = sigmoid(x). */
export function siluBackward(args: HostArgs<UnaryBackwardArgs>): void {
  const { x, dout, dx, n } = args;
  checkUnaryArgs('siluBackward', args);
  for (let i = 0; i < n; i++) {
    const s = 1 / (1 + Math.exp(-x[i]!));
    dx[i] = dout[i]! * s * (1 + x[i]! * (1 - s));
  }
}

/** out = ½ · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))). */
export function geluTanh(args: HostArgs<UnaryArgs>): void {
  const { x, out, n } = args;
  checkUnaryArgs('geluTanh', args);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    out[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_COEF * v * v * v)));
  }
}

/** dx = dout · (½(1 + t) + ½ · x · (1 − t²) · √(2/π) · (1 + 3 · 0.044715 · x²)), t = tanh(…) as above. */
export function geluTanhBackward(args: HostArgs<UnaryBackwardArgs>): void {
  const { x, dout, dx, n } = args;
  checkUnaryArgs('geluTanhBackward', args);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_COEF * v * v * v));
    const du = SQRT_2_OVER_PI * (1 + 3 * GELU_COEF * v * v);
    dx[i] = dout[i]! * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
  }
}

// Reference tanh soft-capping (Gemma 2's attn_logit_softcapping and final_logit_softcapping in transformers
// modeling_gemma2.py: x / cap, tanh, × cap) and its gradient.
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkFinite, checkLength } from '../check.js';
import type { SoftcapArgs, SoftcapBackwardArgs } from '../types.js';

/** n, cap > 0, and the length of every array: x and out, or y, dy and dx for the backward. */
export function checkSoftcapArgs(kernel: string, args: SoftcapArgs | SoftcapBackwardArgs): void {
  const { n } = args;
  checkDims(kernel, { n });
  checkFinite(kernel, 'cap', args.cap, true);
  const arrays = 'dx' in args ? { y: args.y, dy: args.dy, dx: args.dx } : { x: args.x, out: args.out };
  for (const [label, arr] of Object.entries(arrays)) checkLength(kernel, `${label} (n)`, arr, n);
}

/** out = cap · tanh(x / cap); out may alias x. */
export function softcap(args: HostArgs<SoftcapArgs>): void {
  checkSoftcapArgs('softcap', args);
  const { x, out, n, cap } = args;
  for (let i = 0; i < n; i++) out[i] = cap * Math.tanh(x[i]! / cap);
}

/** dx = dy · (1 − (y / cap)²) = dy · (1 − tanh²(x / cap)), from the forward's output y; dx may alias dy. */
export function softcapBackward(args: HostArgs<SoftcapBackwardArgs>): void {
  checkSoftcapArgs('softcapBackward', args);
  const { y, dy, dx, n, cap } = args;
  for (let i = 0; i < n; i++) {
    const t = y[i]! / cap;
    dx[i] = dy[i]! * (1 - t * t);
  }
}

// Reference masked attention softmax: transformers' eager attention (causal mask + padding mask as −∞, then
// torch.softmax), with the rows of padded queries set to zero, as sdpa's memory-efficient kernels leave them.
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength, KernelArgumentError } from '../check.js';
import type { CausalSoftmaxArgs } from '../types.js';

/** Check `causalSoftmax`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkCausalSoftmaxArgs(args: CausalSoftmaxArgs): void {
  const { blocks, heads, queries, keys, queryStart } = args;
  checkDims('causalSoftmax', { blocks, heads, queries, keys, queryStart });
  if (queryStart + queries > keys) {
    throw new KernelArgumentError(
      `causalSoftmax: queryStart + queries expected at most keys = ${keys}, got ${queryStart} + ${queries}`,
    );
  }
  const size = blocks * heads * queries * keys;
  checkLength('causalSoftmax', 'x (blocks, H, queries, keys)', args.x, size);
  checkLength('causalSoftmax', 'out (blocks, H, queries, keys)', args.out, size);
  if ((args.keyMask === undefined) !== (args.maskOffsets === undefined)) {
    throw new KernelArgumentError('causalSoftmax: keyMask and maskOffsets expected together, got only one');
  }
  if (args.maskOffsets) checkLength('causalSoftmax', 'maskOffsets (blocks)', args.maskOffsets, blocks);
}

/** Each row: softmax over the keys it may see (float64 sums, one rounding per output), 0 elsewhere. */
export function causalSoftmax(args: HostArgs<CausalSoftmaxArgs>): void {
  checkCausalSoftmaxArgs(args);
  const { x, out, blocks, heads, queries, keys, queryStart, keyMask, maskOffsets } = args;
  for (let b = 0; b < blocks; b++) {
    const offset = maskOffsets ? maskOffsets[b]! : 0;
    if (keyMask) checkLength('causalSoftmax', `keyMask (block ${b} at ${offset})`, keyMask, offset + keys);
    const real = (j: number) => keyMask?.[offset + j] !== 0;
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < queries; i++) {
        const base = ((b * heads + h) * queries + i) * keys;
        const last = queryStart + i; // the query's own position: it sees keys 0 … last
        if (!real(last)) {
          out.fill(0, base, base + keys);
          continue;
        }
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j <= last; j++) if (real(j)) max = Math.max(max, x[base + j]!);
        let sum = 0;
        for (let j = 0; j <= last; j++) if (real(j)) sum += Math.exp(x[base + j]! - max);
        const inv = 1 / sum;
        for (let j = 0; j < keys; j++)
          out[base + j] = j <= last && real(j) ? Math.exp(x[base + j]! - max) * inv : 0;
      }
    }
  }
}

// Reference restore of a double-quantized absmax (bitsandbytes dequantize_blockwise of the nested 8-bit codes, plus
// the offset), so a 4-bit weight's scales stay 8-bit in device memory and are restored next to the matmul.
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkFinite, checkLength, KernelArgumentError } from '../check.js';
import type { DequantizeAbsmaxArgs } from '../types.js';

/** Check `dequantizeAbsmax`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkDequantizeAbsmaxArgs(args: DequantizeAbsmaxArgs): void {
  const { n, nestedBlocksize } = args;
  checkDims('dequantizeAbsmax', { n, nestedBlocksize });
  if (nestedBlocksize === 0)
    throw new KernelArgumentError('dequantizeAbsmax: nestedBlocksize expected > 0, got 0');
  checkLength('dequantizeAbsmax', 'qabsmax (n)', args.qabsmax, n);
  checkLength(
    'dequantizeAbsmax',
    'nestedAbsmax (⌈n / nestedBlocksize⌉)',
    args.nestedAbsmax,
    Math.ceil(n / nestedBlocksize),
  );
  checkLength('dequantizeAbsmax', 'nestedCode (256)', args.nestedCode, 256);
  checkLength('dequantizeAbsmax', 'out (n)', args.out, n);
  checkFinite('dequantizeAbsmax', 'offset', args.offset);
}

/** out[i] = f32(f32(code[q[i]] · nestedAbsmax[⌊i / nestedBlocksize⌋]) + offset). */
export function dequantizeAbsmax(args: HostArgs<DequantizeAbsmaxArgs>): void {
  checkDequantizeAbsmaxArgs(args);
  const { qabsmax, nestedAbsmax, nestedCode, nestedBlocksize, offset, out, n } = args;
  const f32 = Math.fround;
  for (let i = 0; i < n; i++)
    out[i] = f32(
      f32(nestedCode[qabsmax[i]!]! * nestedAbsmax[Math.floor(i / nestedBlocksize)]!) + f32(offset),
    );
}

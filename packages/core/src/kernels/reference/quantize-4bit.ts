// Reference: bitsandbytes backends/default/ops.py quantize_4bit — blockwise absmax 4-bit quantization of the flattened
// row-major tensor, bit for bit (the golden tests in @lora/quant-nf4 hold it against bitsandbytes' own output).
import type { HostArgs } from '../../device/arrays.js';
import { nearestCodeFinder, scaledToUnit } from '../../nearest-code.js';
import { checkDims, checkLength, KernelArgumentError } from '../check.js';
import type { Quantize4bitBlockwiseArgs } from '../types.js';

const f32 = Math.fround;

/** Check `quantize4bitBlockwise`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkQuantize4bitBlockwiseArgs(args: Quantize4bitBlockwiseArgs): void {
  const { n, blocksize } = args;
  checkDims('quantize4bitBlockwise', { n, blocksize });
  if (blocksize === 0) throw new KernelArgumentError('quantize4bitBlockwise: blocksize expected > 0, got 0');
  checkLength('quantize4bitBlockwise', 'values (n)', args.values, n);
  checkLength('quantize4bitBlockwise', 'code (16)', args.code, 16);
  checkLength('quantize4bitBlockwise', 'packed (⌈n / 2⌉)', args.packed, Math.ceil(n / 2));
  checkLength('quantize4bitBlockwise', 'absmax (⌈n / blocksize⌉)', args.absmax, Math.ceil(n / blocksize));
}

/** packed ← the 4-bit codes of values (n), absmax ← each block's max |v|; see Quantize4bitBlockwiseArgs. */
export function quantize4bitBlockwise(args: HostArgs<Quantize4bitBlockwiseArgs>): void {
  checkQuantize4bitBlockwiseArgs(args);
  const { values, code, blocksize, n, packed, absmax } = args;
  const nearest = nearestCodeFinder(code.subarray(0, 16));
  const bytes = Math.ceil(n / 2);
  packed.fill(0, 0, bytes); // each nibble is or-ed in once
  // an odd tail is padded with 0.0 before packing, as bitsandbytes pads `scaled`
  if (n % 2 === 1) packed[bytes - 1] = nearest(0) & 0x0f;
  const blocks = Math.ceil(n / blocksize);
  for (let b = 0; b < blocks; b++) {
    const start = b * blocksize;
    const end = Math.min(start + blocksize, n);
    let max = 0;
    for (let i = start; i < end; i++) max = Math.max(max, Math.abs(values[i]!)); // NaN stays NaN
    absmax[b] = max;
    const inv = f32(1 / f32(max));
    for (let i = start; i < end; i++) {
      const q = nearest(scaledToUnit(values[i]!, inv));
      packed[i >> 1]! |= (i & 1) === 0 ? q << 4 : q;
    }
  }
}

// Reference fill and strided copy (torch.Tensor.fill_ and .copy_ between strided views).
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength, KernelArgumentError } from '../check.js';
import type { FillArgs, StridedCopyArgs } from '../types.js';

/** Check `fill`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkFillArgs(args: FillArgs): void {
  checkDims('fill', { n: args.n });
  checkLength('fill', 'x (n)', args.x, args.n);
  if (typeof args.value !== 'number')
    throw new KernelArgumentError(`fill: value expected a number, got ${args.value}`);
}

/** x[0 … n) = value (rounded to float32, or an integer for an int32 array). */
export function fill(args: HostArgs<FillArgs>): void {
  checkFillArgs(args);
  args.x.fill(args.value, 0, args.n);
}

/** The extent (largest index + 1) a strided grid touches, or 0 when it is empty. */
function extent(counts: readonly number[], strides: readonly number[], inner: number): number {
  if (inner === 0 || counts.some((c) => c === 0)) return 0;
  return counts.reduce((sum, c, i) => sum + (c - 1) * strides[i]!, 0) + inner;
}

/** Check `stridedCopy`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkStridedCopyArgs(args: StridedCopyArgs): void {
  const { counts, inner, srcStrides, dstStrides } = args;
  if (counts.length !== 3 || srcStrides.length !== 3 || dstStrides.length !== 3) {
    throw new KernelArgumentError(
      `stridedCopy: counts, srcStrides and dstStrides expected 3 values each, got ${counts.length}, ${srcStrides.length} and ${dstStrides.length}`,
    );
  }
  const dims: Record<string, number> = { inner };
  for (const [key, values] of Object.entries({ counts, srcStrides, dstStrides }))
    values.forEach((v, i) => {
      dims[`${key}[${i}]`] = v;
    });
  checkDims('stridedCopy', dims);
  checkLength('stridedCopy', 'src', args.src, extent(counts, srcStrides, inner));
  checkLength('stridedCopy', 'dst', args.dst, extent(counts, dstStrides, inner));
}

/** dst[i·d0 + j·d1 + k·d2 + e] = src[i·s0 + j·s1 + k·s2 + e]. */
export function stridedCopy(args: HostArgs<StridedCopyArgs>): void {
  checkStridedCopyArgs(args);
  const { src, dst, counts, inner, srcStrides: s, dstStrides: d } = args;
  if (inner === 0 || counts.some((c) => c === 0)) return; // an empty grid touches nothing
  for (let i = 0; i < counts[0]; i++) {
    for (let j = 0; j < counts[1]; j++) {
      for (let k = 0; k < counts[2]; k++) {
        const from = i * s[0] + j * s[1] + k * s[2];
        dst.set(src.subarray(from, from + inner), i * d[0] + j * d[1] + k * d[2]);
      }
    }
  }
}

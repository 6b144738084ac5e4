// Strided copies (torch's .copy_ between strided views: head transposes, splitting a fused qkv, writing a KV cache) and
// rotary embedding (transformers apply_rotary_pos_emb, rotate_half) on device arrays. gpu.js kernels gather — each
// output cell finds its source — so a strided copy is inverted per destination cell: its destination strides, sorted
// largest first, must nest (each stride at least the extent of the levels below it), as every layout the models write
// does; a cell outside the grid keeps dst's old value.
import { checkRopeArgs, checkStridedCopyArgs, KernelArgumentError } from '@lora/core';
import type { KernelThis } from '../../runner.js';
import { cells, type DeviceKernels, divFloor, own } from './common.js';

interface GridConstants {
  c0: number;
  c1: number;
  c2: number;
  d0: number;
  d1: number;
  d2: number;
  inner: number;
}

// dst cell q (relative to dst) ← src[Σ idx·s + e] for the grid point whose dst index it is; levels in nesting order
function stridedCell(
  this: KernelThis<GridConstants>,
  src: Float32Array,
  srcOff: number,
  dst: Float32Array,
  dstOff: number,
  s0: number,
  s1: number,
  s2: number,
): number {
  const q = this.thread.x;
  let rest = q;
  const i0 = divFloor(rest, this.constants.d0);
  rest = rest - i0 * this.constants.d0;
  const i1 = divFloor(rest, this.constants.d1);
  rest = rest - i1 * this.constants.d1;
  const i2 = divFloor(rest, this.constants.d2);
  rest = rest - i2 * this.constants.d2;
  if (
    i0 >= this.constants.c0 ||
    i1 >= this.constants.c1 ||
    i2 >= this.constants.c2 ||
    rest >= this.constants.inner
  ) {
    return dst[dstOff + q]!;
  }
  return src[srcOff + i0 * s0 + i1 * s1 + i2 * s2 + rest]!;
}

function copyCell(this: KernelThis<Record<string, never>>, x: Float32Array, xOff: number): number {
  return x[xOff + this.thread.x]!;
}

interface RopeConstants {
  heads: number;
  headDim: number;
  half: number;
}

// (T, H, D): the rotate_half pair of each dim < rotaryDim, by the cos/sin row at the token's position
function ropeCell(
  this: KernelThis<RopeConstants>,
  x: Float32Array,
  xOff: number,
  positions: Float32Array,
  posOff: number,
  cos: Float32Array,
  cosOff: number,
  sin: Float32Array,
  sinOff: number,
  sign: number,
): number {
  const i = this.thread.x;
  const row = divFloor(i, this.constants.headDim); // t·H + h
  const d = i - row * this.constants.headDim;
  const base = xOff + row * this.constants.headDim;
  if (d >= 2 * this.constants.half) return x[base + d]!;
  const table = positions[posOff + divFloor(row, this.constants.heads)]! * this.constants.half;
  if (d < this.constants.half) {
    const s = sign * sin[sinOff + table + d]!;
    return x[base + d]! * cos[cosOff + table + d]! - x[base + d + this.constants.half]! * s;
  }
  const j = d - this.constants.half;
  const s = sign * sin[sinOff + table + j]!;
  return x[base + d]! * cos[cosOff + table + j]! + x[base + j]! * s;
}

export const COPY_KERNELS = {
  stridedCopy(gx, args) {
    checkStridedCopyArgs(args);
    const { counts, inner, srcStrides, dstStrides } = args;
    const [src, dst] = [own(gx, args.src, 'stridedCopy', 'src'), own(gx, args.dst, 'stridedCopy', 'dst')];
    if (inner === 0 || counts.some((c) => c === 0)) return; // an empty grid touches nothing
    // levels of more than one point, largest dst stride first; the rest are index 0
    const levels = [0, 1, 2]
      .filter((l) => counts[l]! > 1)
      .map((l) => ({ count: counts[l]!, d: dstStrides[l]!, s: srcStrides[l]! }))
      .sort((a, b) => b.d - a.d);
    let below = inner; // extent of the levels below, from the innermost up
    for (let l = levels.length - 1; l >= 0; l--) {
      if (levels[l]!.d < below)
        throw new KernelArgumentError(
          `stridedCopy: dstStrides expected to nest (each at least the extent of the smaller ones) for gpu.js's gather, got counts ${counts.join(', ')} and dstStrides ${dstStrides.join(', ')}`,
        );
      below += (levels[l]!.count - 1) * levels[l]!.d;
    }
    const extent = below;
    while (levels.length < 3) levels.push({ count: 1, d: extent, s: 0 });
    const [a, b, c] = levels as [(typeof levels)[0], (typeof levels)[0], (typeof levels)[0]];
    const constants = { c0: a.count, c1: b.count, c2: c.count, d0: a.d, d1: b.d, d2: c.d, inner };
    const key = `stridedCopy:${Object.values(constants).join('x')}`;
    const launch = cells(
      key,
      stridedCell,
      extent,
      [
        ['src', src],
        ['srcOff', src.offset],
        ['dst', dst],
        ['dstOff', dst.offset],
        ['s0', a.s],
        ['s1', b.s],
        ['s2', c.s],
      ],
      { constants },
    );
    gx.ex.write(dst, extent, launch);
  },
  rope(gx, args) {
    checkRopeArgs(args);
    const { tokens, heads, headDim, rotaryDim } = args;
    const k = 'rope';
    const [x, out, positions] = [
      own(gx, args.x, k, 'x'),
      own(gx, args.out, k, 'out'),
      own(gx, args.positions, k, 'positions'),
    ];
    const [cos, sin] = [own(gx, args.cos, k, 'cos'), own(gx, args.sin, k, 'sin')];
    const size = tokens * heads * headDim;
    if (size === 0) return;
    const half = rotaryDim / 2;
    if (half === 0) {
      // nothing rotates, and the tables may be empty: a copy
      gx.ex.write(
        out,
        size,
        cells('rope.copy', copyCell, size, [
          ['x', x],
          ['xOff', x.offset],
        ]),
      );
      return;
    }
    const launch = cells(
      `rope:${heads}x${headDim}x${rotaryDim}`,
      ropeCell,
      size,
      [
        ['x', x],
        ['xOff', x.offset],
        ['positions', positions],
        ['posOff', positions.offset],
        ['cos', cos],
        ['cosOff', cos.offset],
        ['sin', sin],
        ['sinOff', sin.offset],
        ['sign', args.inverse ? -1 : 1],
      ],
      { constants: { heads, headDim, half } },
    );
    gx.ex.write(out, size, launch);
  },
} satisfies DeviceKernels;

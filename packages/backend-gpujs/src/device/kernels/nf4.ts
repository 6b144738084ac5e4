// The fused 4-bit dequantize-matmul on device arrays (bitsandbytes kDequantizeBlockwise + gemm_4bit, never
// materializing W) and the double-quantized absmax restore. Each output cell dequantizes the weights it needs as it
// reads them: W[r, c] = f32(code[nibble(r·K + c)] · absmax[⌊(r·K + c) / blocksize⌋]), two codes per byte (stored one
// byte per float), first in the high nibble. With `nested` the block scale is restored in the kernel,
// f32(f32(nestedCode[q[b]] · nestedAbsmax[⌊b / nestedBlocksize⌋]) + offset), as dequantizeAbsmax writes it.
import { checkDequantizeAbsmaxArgs, checkNf4MatmulArgs, type Nf4MatmulArgs } from '@lora/core';
import type { KernelThis } from '../../runner.js';
import type { TextureArray } from '../arrays.js';
import type { LaunchArg } from '../executor.js';
import { cells, type DeviceContext, type DeviceKernels, divFloor, own } from './common.js';

interface Nf4Constants {
  m: number;
  n: number;
  k: number;
  blocksize: number;
  nestedBlocksize: number;
}

// out (M, N) cell (i, r) = Σ_p x[i, p] · W[r, p]; walks row r of W, the block and nibble tracked as p advances
function forwardCell(
  this: KernelThis<Nf4Constants>,
  x: Float32Array,
  xOff: number,
  packed: Float32Array,
  packedOff: number,
  code: Float32Array,
  codeOff: number,
  absmax: Float32Array,
  absmaxOff: number,
  out: Float32Array,
  outOff: number,
  acc: number,
): number {
  const cell = this.thread.x;
  const i = divFloor(cell, this.constants.n);
  const r = cell - i * this.constants.n;
  const first = r * this.constants.k;
  let block = divFloor(first, this.constants.blocksize);
  let inBlock = first - block * this.constants.blocksize;
  let scale = absmax[absmaxOff + block]!;
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    if (inBlock === this.constants.blocksize) {
      block = block + 1;
      inBlock = 0;
      scale = absmax[absmaxOff + block]!;
    }
    const e = first + p;
    const half = Math.floor(e / 2);
    const byte = packed[packedOff + half]!;
    const high = Math.floor(byte / 16);
    let nibble = byte - 16 * high;
    if (e === 2 * half) nibble = high;
    sum += x[xOff + i * this.constants.k + p]! * Math.fround(code[codeOff + nibble]! * scale);
    inBlock = inBlock + 1;
  }
  if (acc > 0.5) return out[outOff + cell]! + sum;
  return sum;
}

// forwardCell with the block scale restored from its 8-bit code
function forwardNestedCell(
  this: KernelThis<Nf4Constants>,
  x: Float32Array,
  xOff: number,
  packed: Float32Array,
  packedOff: number,
  code: Float32Array,
  codeOff: number,
  qabsmax: Float32Array,
  qOff: number,
  nestedAbsmax: Float32Array,
  nestedOff: number,
  nestedCode: Float32Array,
  nestedCodeOff: number,
  offset: number,
  out: Float32Array,
  outOff: number,
  acc: number,
): number {
  const cell = this.thread.x;
  const i = divFloor(cell, this.constants.n);
  const r = cell - i * this.constants.n;
  const first = r * this.constants.k;
  let block = divFloor(first, this.constants.blocksize);
  let inBlock = first - block * this.constants.blocksize;
  let scale = Math.fround(
    Math.fround(
      nestedCode[nestedCodeOff + qabsmax[qOff + block]!]! *
        nestedAbsmax[nestedOff + divFloor(block, this.constants.nestedBlocksize)]!,
    ) + offset,
  );
  let sum = 0;
  for (let p = 0; p < this.constants.k; p++) {
    if (inBlock === this.constants.blocksize) {
      block = block + 1;
      inBlock = 0;
      scale = Math.fround(
        Math.fround(
          nestedCode[nestedCodeOff + qabsmax[qOff + block]!]! *
            nestedAbsmax[nestedOff + divFloor(block, this.constants.nestedBlocksize)]!,
        ) + offset,
      );
    }
    const e = first + p;
    const half = Math.floor(e / 2);
    const byte = packed[packedOff + half]!;
    const high = Math.floor(byte / 16);
    let nibble = byte - 16 * high;
    if (e === 2 * half) nibble = high;
    sum += x[xOff + i * this.constants.k + p]! * Math.fround(code[codeOff + nibble]! * scale);
    inBlock = inBlock + 1;
  }
  if (acc > 0.5) return out[outOff + cell]! + sum;
  return sum;
}

// out (M, K) cell (i, c) = Σ_r dy[i, r] · W[r, c]: walks column c of W
function inputGradCell(
  this: KernelThis<Nf4Constants>,
  x: Float32Array,
  xOff: number,
  packed: Float32Array,
  packedOff: number,
  code: Float32Array,
  codeOff: number,
  absmax: Float32Array,
  absmaxOff: number,
  out: Float32Array,
  outOff: number,
  acc: number,
): number {
  const cell = this.thread.x;
  const i = divFloor(cell, this.constants.k);
  const c = cell - i * this.constants.k;
  let sum = 0;
  for (let r = 0; r < this.constants.n; r++) {
    const e = r * this.constants.k + c;
    const half = Math.floor(e / 2);
    const byte = packed[packedOff + half]!;
    const high = Math.floor(byte / 16);
    let nibble = byte - 16 * high;
    if (e === 2 * half) nibble = high;
    const scale = absmax[absmaxOff + divFloor(e, this.constants.blocksize)]!;
    sum += x[xOff + i * this.constants.n + r]! * Math.fround(code[codeOff + nibble]! * scale);
  }
  if (acc > 0.5) return out[outOff + cell]! + sum;
  return sum;
}

function inputGradNestedCell(
  this: KernelThis<Nf4Constants>,
  x: Float32Array,
  xOff: number,
  packed: Float32Array,
  packedOff: number,
  code: Float32Array,
  codeOff: number,
  qabsmax: Float32Array,
  qOff: number,
  nestedAbsmax: Float32Array,
  nestedOff: number,
  nestedCode: Float32Array,
  nestedCodeOff: number,
  offset: number,
  out: Float32Array,
  outOff: number,
  acc: number,
): number {
  const cell = this.thread.x;
  const i = divFloor(cell, this.constants.k);
  const c = cell - i * this.constants.k;
  let sum = 0;
  for (let r = 0; r < this.constants.n; r++) {
    const e = r * this.constants.k + c;
    const half = Math.floor(e / 2);
    const byte = packed[packedOff + half]!;
    const high = Math.floor(byte / 16);
    let nibble = byte - 16 * high;
    if (e === 2 * half) nibble = high;
    const block = divFloor(e, this.constants.blocksize);
    const scale = Math.fround(
      Math.fround(
        nestedCode[nestedCodeOff + qabsmax[qOff + block]!]! *
          nestedAbsmax[nestedOff + divFloor(block, this.constants.nestedBlocksize)]!,
      ) + offset,
    );
    sum += x[xOff + i * this.constants.n + r]! * Math.fround(code[codeOff + nibble]! * scale);
  }
  if (acc > 0.5) return out[outOff + cell]! + sum;
  return sum;
}

// (n): f32(f32(nestedCode[q[i]] · nestedAbsmax[⌊i / nestedBlocksize⌋]) + offset)
function dequantizeAbsmaxCell(
  this: KernelThis<{ nestedBlocksize: number }>,
  qabsmax: Float32Array,
  qOff: number,
  nestedAbsmax: Float32Array,
  nestedOff: number,
  nestedCode: Float32Array,
  nestedCodeOff: number,
  offset: number,
): number {
  const i = this.thread.x;
  // each product rounded to float32 before the add, as the reference rounds it (a CPU mode computes in float64)
  const product = Math.fround(
    nestedCode[nestedCodeOff + qabsmax[qOff + i]!]! *
      nestedAbsmax[nestedOff + divFloor(i, this.constants.nestedBlocksize)]!,
  );
  return product + offset;
}

function input(name: string, array: TextureArray): [string, LaunchArg][] {
  return [
    [name, array],
    [`${name}Off`, array.offset],
  ];
}

function nf4Matmul(gx: DeviceContext, args: Nf4MatmulArgs): void {
  checkNf4MatmulArgs(args);
  const { m, n, k, blocksize, mode } = args;
  const forward = mode === 'forward';
  const accumulate = args.accumulate ?? false;
  const name = 'nf4Matmul';
  const [x, packed, code, out] = [
    own(gx, args.x, name, 'x'),
    own(gx, args.packed, name, 'packed'),
    own(gx, args.code, name, 'code'),
    own(gx, args.out, name, 'out'),
  ];
  const count = m * (forward ? n : k);
  if (count === 0) return;
  if ((forward ? k : n) === 0) {
    // a sum of nothing
    if (!accumulate) gx.ex.write(out, count, cells('zero', zeroCell, count, []));
    return;
  }
  const head: [string, LaunchArg][] = [...input('x', x), ...input('packed', packed), ...input('code', code)];
  // out is read only when accumulating: otherwise x stands in, and a fresh out needs no zero fill
  const tail: [string, LaunchArg][] = [...input('out', accumulate ? out : x), ['acc', accumulate ? 1 : 0]];
  let scales: [string, LaunchArg][];
  let nestedBlocksize = 1;
  if (args.nested) {
    const nested = args.nested;
    nestedBlocksize = nested.nestedBlocksize;
    const q = own(gx, nested.qabsmax, name, 'nested.qabsmax');
    const nestedAbsmax = own(gx, nested.nestedAbsmax, name, 'nested.nestedAbsmax');
    scales = [
      ['qabsmax', q],
      ['qOff', q.offset],
      ['nestedAbsmax', nestedAbsmax],
      ['nestedOff', nestedAbsmax.offset],
      ...input('nestedCode', own(gx, nested.nestedCode, name, 'nested.nestedCode')),
      ['offset', Math.fround(nested.offset)],
    ];
  } else {
    scales = input('absmax', own(gx, args.absmax, name, 'absmax'));
  }
  const fn = forward
    ? args.nested
      ? forwardNestedCell
      : forwardCell
    : args.nested
      ? inputGradNestedCell
      : inputGradCell;
  const variant = `${mode}${args.nested ? '.nested' : ''}`;
  const launch = cells(
    `nf4Matmul.${variant}:${m}x${n}x${k}:${blocksize}:${nestedBlocksize}`,
    fn,
    count,
    [...head, ...scales, ...tail],
    {
      constants: { m, n, k, blocksize, nestedBlocksize },
    },
  );
  gx.ex.write(out, count, launch);
}

function zeroCell(this: KernelThis<Record<string, never>>): number {
  return 0;
}

export const NF4_KERNELS = {
  nf4Matmul,
  dequantizeAbsmax(gx, args) {
    checkDequantizeAbsmaxArgs(args);
    const { n, nestedBlocksize } = args;
    const k = 'dequantizeAbsmax';
    const [q, nestedAbsmax] = [
      own(gx, args.qabsmax, k, 'qabsmax'),
      own(gx, args.nestedAbsmax, k, 'nestedAbsmax'),
    ];
    const [nestedCode, out] = [own(gx, args.nestedCode, k, 'nestedCode'), own(gx, args.out, k, 'out')];
    if (n === 0) return;
    const launch = cells(
      `dequantizeAbsmax:${nestedBlocksize}`,
      dequantizeAbsmaxCell,
      n,
      [
        ['qabsmax', q],
        ['qOff', q.offset],
        ['nestedAbsmax', nestedAbsmax],
        ['nestedOff', nestedAbsmax.offset],
        ['nestedCode', nestedCode],
        ['nestedCodeOff', nestedCode.offset],
        ['offset', Math.fround(args.offset)],
      ],
      { constants: { nestedBlocksize } },
    );
    gx.ex.write(out, n, launch);
  },
} satisfies DeviceKernels;

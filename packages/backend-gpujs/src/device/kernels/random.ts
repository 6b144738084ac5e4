// Dropout (torch.nn.Dropout, inverted) and NEFTune's noise (TRL) on device arrays, from @lora/core's stateless
// counter stream: counterHash(seed, i) = lowbias32(lowbias32(seed) xor i). gpu.js kernels compute in float32, with no
// 32-bit integers, so the hash runs on 16-bit halves whose every intermediate stays below 2^24 (exact in float32):
// xor bit by bit, products split into bytes. lowbias32(seed) is one number per call: the host computes it.
import { checkDropoutArgs, checkUniformNoiseArgs, dropThreshold, lowbias32 } from '@lora/core';
import type { KernelThis } from '../../runner.js';
import { cells, type DeviceKernels, own } from './common.js';

/** a xor b for 16-bit a, b, one bit at a time. */
export function xor16(a: number, b: number): number {
  let r = 0;
  let bit = 1;
  let x = a;
  let y = b;
  for (let k = 0; k < 16; k++) {
    const hx = Math.floor(x / 2);
    const hy = Math.floor(y / 2);
    if (x - 2 * hx !== y - 2 * hy) r = r + bit;
    x = hx;
    y = hy;
    bit = bit * 2;
  }
  return r;
}

/** (a · b) mod 2^16 for 16-bit a, b: a split into bytes keeps each product below 2^24. */
export function mulLo16(a: number, b: number): number {
  const a1 = Math.floor(a / 256);
  const a0 = a - a1 * 256;
  const p1 = a1 * b;
  const p = a0 * b + (p1 - 256 * Math.floor(p1 / 256)) * 256;
  return p - 65536 * Math.floor(p / 65536);
}

/** ⌊a · b / 2^16⌋ for 16-bit a, b. */
export function mulHi16(a: number, b: number): number {
  const a1 = Math.floor(a / 256);
  const a0 = a - a1 * 256;
  const p1 = a1 * b;
  const q1 = Math.floor(p1 / 256);
  return q1 + Math.floor((a0 * b + (p1 - q1 * 256) * 256) / 65536);
}

/**
 * The high (high = 1) or low 16 bits of counterHash for element `index` (< 2^24) of a stream whose lowbias32(seed)
 * has halves seedHi, seedLo: lowbias32 of (seed hash xor index) — x ^= x >>> 16; x = imul(x, 0x21f0aaad);
 * x ^= x >>> 15; x = imul(x, 0x735a2d97); x ^= x >>> 15 — on (hi, lo).
 */
export function counterHashHalf(seedLo: number, seedHi: number, index: number, high: number): number {
  const iHi = Math.floor(index / 65536);
  let lo = xor16(seedLo, index - iHi * 65536);
  let hi = xor16(seedHi, iHi);
  lo = xor16(lo, hi); // x ^= x >>> 16
  let mid = mulHi16(lo, 0xaaad) + mulLo16(lo, 0x21f0) + mulLo16(hi, 0xaaad);
  hi = mid - 65536 * Math.floor(mid / 65536); // x = imul(x, 0x21f0aaad)
  lo = mulLo16(lo, 0xaaad);
  let s = hi * 2 + Math.floor(lo / 32768); // x ^= x >>> 15
  lo = xor16(lo, s - 65536 * Math.floor(s / 65536));
  hi = xor16(hi, Math.floor(hi / 32768));
  mid = mulHi16(lo, 0x2d97) + mulLo16(lo, 0x735a) + mulLo16(hi, 0x2d97);
  hi = mid - 65536 * Math.floor(mid / 65536); // x = imul(x, 0x735a2d97)
  lo = mulLo16(lo, 0x2d97);
  s = hi * 2 + Math.floor(lo / 32768); // x ^= x >>> 15
  lo = xor16(lo, s - 65536 * Math.floor(s / 65536));
  hi = xor16(hi, Math.floor(hi / 32768));
  if (high > 0.5) return hi;
  return lo;
}

type NoConstants = Record<string, never>;

// keep when counterHash ≥ threshold (compared as halves), x · keepScale; 0 otherwise
function dropoutCell(
  this: KernelThis<NoConstants>,
  x: Float32Array,
  xOff: number,
  seedLo: number,
  seedHi: number,
  thresholdLo: number,
  thresholdHi: number,
  keepScale: number,
): number {
  const i = this.thread.x;
  const hi = counterHashHalf(seedLo, seedHi, i, 1);
  let keep = 0;
  if (hi > thresholdHi) keep = 1;
  if (hi === thresholdHi && counterHashHalf(seedLo, seedHi, i, 0) >= thresholdLo) keep = 1;
  if (keep > 0.5) return x[xOff + i]! * keepScale;
  return 0;
}

// x + (2u − 1) · magnitude, u = (counterHash >>> 8) / 2^24
function noiseCell(
  this: KernelThis<NoConstants>,
  x: Float32Array,
  xOff: number,
  seedLo: number,
  seedHi: number,
  magnitude: number,
): number {
  const i = this.thread.x;
  const hi = counterHashHalf(seedLo, seedHi, i, 1);
  const lo = counterHashHalf(seedLo, seedHi, i, 0);
  const u = (hi * 256 + Math.floor(lo / 256)) / 16777216;
  return x[xOff + i]! + (2 * u - 1) * magnitude;
}

const HASH_FUNCTIONS = [xor16, mulLo16, mulHi16, counterHashHalf];

function seedHalves(seed: number): [number, number] {
  const h = lowbias32(seed >>> 0);
  return [h & 0xffff, h >>> 16];
}

export const RANDOM_KERNELS = {
  dropout(gx, args) {
    checkDropoutArgs(args);
    const { n, p } = args;
    const [x, out] = [own(gx, args.x, 'dropout', 'x'), own(gx, args.out, 'dropout', 'out')];
    const [seedLo, seedHi] = seedHalves(args.seed);
    const threshold = dropThreshold(p);
    const launch = cells(
      'dropout',
      dropoutCell,
      n,
      [
        ['x', x],
        ['xOff', x.offset],
        ['seedLo', seedLo],
        ['seedHi', seedHi],
        ['thresholdLo', threshold % 65536],
        ['thresholdHi', Math.floor(threshold / 65536)],
        ['keepScale', Math.fround(1 / (1 - p))],
      ],
      { functions: HASH_FUNCTIONS },
    );
    gx.ex.write(out, n, launch);
  },
  uniformNoise(gx, args) {
    checkUniformNoiseArgs(args);
    const { n } = args;
    const x = own(gx, args.x, 'uniformNoise', 'x');
    const [seedLo, seedHi] = seedHalves(args.seed);
    const launch = cells(
      'uniformNoise',
      noiseCell,
      n,
      [
        ['x', x],
        ['xOff', x.offset],
        ['seedLo', seedLo],
        ['seedHi', seedHi],
        ['magnitude', Math.fround(args.magnitude)],
      ],
      { functions: HASH_FUNCTIONS },
    );
    gx.ex.write(x, n, launch);
  },
} satisfies DeviceKernels;

// Dropout and NEFTune noise on webgpu, drawn from core's stateless counter stream (counter-hash.ts): element i of
// stream `seed` is lowbias32(lowbias32(seed) xor i), in u32 arithmetic whose multiply wraps as Math.imul does, so
// the mask and the noise are bit for bit those of every other backend. lowbias32(seed) is computed on the host.
import {
  checkDropoutArgs,
  checkUniformNoiseArgs,
  type DropoutArgs,
  dropThreshold,
  lowbias32,
  type UniformNoiseArgs,
} from '@lora/core';
import type { WebGpuState } from '../state.js';
import { flatProgram, runFlat } from './flat-program.js';

const COUNTER_HASH = `fn lowbias32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x21f0aaadu;
  x ^= x >> 15u;
  x *= 0x735a2d97u;
  x ^= x >> 15u;
  return x;
}
/** counterHash(seed, i), with key = lowbias32(seed) */
fn counter_hash(key: u32, i: u32) -> u32 { return lowbias32(key ^ i); }
`;

/** out = keep ? x · keepScale : 0, keep = counterHash(seed, i) ≥ threshold */
const DROPOUT = flatProgram(
  'dropout',
  [
    { name: 'x', type: 'f32' },
    { name: 'out', type: 'f32', write: true },
  ],
  [
    { name: 'key', type: 'u32' },
    { name: 'threshold', type: 'u32' },
    { name: 'keepScale', type: 'f32' },
  ],
  'st_out(i, select(0.0, ld_x(i) * p.keepScale, counter_hash(p.key, i) >= p.threshold));',
  COUNTER_HASH,
);

/** x += (2u − 1) · magnitude, u = (counterHash(seed, i) >> 8) / 2²⁴ (24 bits: exact in f32, as is 2u − 1) */
const UNIFORM_NOISE = flatProgram(
  'uniformNoise',
  [{ name: 'x', type: 'f32', write: true }],
  [
    { name: 'key', type: 'u32' },
    { name: 'magnitude', type: 'f32' },
  ],
  `let u = f32(counter_hash(p.key, i) >> 8u) * (1.0 / 16777216.0);
  st_x(i, ld_x(i) + (2.0 * u - 1.0) * p.magnitude);`,
  COUNTER_HASH,
);

export function dropout(gpu: WebGpuState, args: DropoutArgs): void {
  checkDropoutArgs(args);
  const { p, seed, n } = args;
  runFlat(
    gpu,
    DROPOUT,
    { x: args.x, out: args.out },
    { n, key: lowbias32(seed), threshold: dropThreshold(p), keepScale: Math.fround(1 / (1 - p)) },
  );
}

export function uniformNoise(gpu: WebGpuState, args: UniformNoiseArgs): void {
  checkUniformNoiseArgs(args);
  runFlat(
    gpu,
    UNIFORM_NOISE,
    { x: args.x },
    { n: args.n, key: lowbias32(args.seed), magnitude: args.magnitude },
  );
}

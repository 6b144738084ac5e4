// The wasm backend's dropout and uniformNoise, behind the boundary checks of elementwise-register.ts (@lora/core's):
// a job (assembly/elementwise/random.ts) that draws the counter stream of
// packages/core/src/kernels/counter-hash.ts to the bit, so every backend drops the same elements.
import { type DropoutArgs, dropThreshold, type HostArgs, type UniformNoiseArgs } from '@lora/core';
import { STREAM_COST } from './elementwise-arith.js';
import { f32, i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

/** the hash's five integer operations per lane, on top of the streaming pass */
const HASH_COST = 2 * STREAM_COST;

export function dropout(run: ElementwiseRunner, args: HostArgs<DropoutArgs>): void {
  const { x, out, n, p, seed } = args;
  if (n === 0) return;
  const threshold = dropThreshold(p) | 0; // the u32's bits
  run.run(
    'EW_DROPOUT',
    { x: [x, n, 'in'], out: [out, n, 'out'] }, // out may alias x: one staged copy
    (ptr) => [i32(ptr.x), i32(ptr.out), i32(n), i32(seed | 0), i32(threshold), f32(1 / (1 - p))],
    { units: Math.ceil(n / 4), work: n * HASH_COST },
  );
}

export function uniformNoise(run: ElementwiseRunner, args: HostArgs<UniformNoiseArgs>): void {
  const { x, n, magnitude, seed } = args;
  if (n === 0) return;
  run.run(
    'EW_UNIFORM_NOISE',
    { x: [x, n, 'inout'] },
    (p) => [i32(p.x), i32(n), i32(seed | 0), f32(magnitude)],
    { units: Math.ceil(n / 4), work: n * HASH_COST },
  );
}

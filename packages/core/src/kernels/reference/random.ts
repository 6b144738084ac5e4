// Reference dropout (torch.nn.Dropout, inverted) and NEFTune noise (TRL neftune_post_forward_hook), both drawn from
// the stateless counter stream so every backend draws the same mask.
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkFinite, checkLength, KernelArgumentError } from '../check.js';
import { counterHash, counterUniform, dropThreshold } from '../counter-hash.js';
import type { DropoutArgs, UniformNoiseArgs } from '../types.js';

function checkSeed(kernel: string, seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new KernelArgumentError(`${kernel}: seed expected an unsigned 32-bit integer, got ${seed}`);
}

/** Check `dropout`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkDropoutArgs(args: DropoutArgs): void {
  checkDims('dropout', { n: args.n });
  checkLength('dropout', 'x (n)', args.x, args.n);
  checkLength('dropout', 'out (n)', args.out, args.n);
  if (!(args.p >= 0 && args.p < 1))
    throw new KernelArgumentError(`dropout: p expected [0, 1), got ${args.p}`);
  checkSeed('dropout', args.seed);
}

/** out = keep ? x · f32(1 / (1 − p)) : 0, keep = counterHash(seed, i) ≥ ⌊p · 2³²⌋. */
export function dropout(args: HostArgs<DropoutArgs>): void {
  checkDropoutArgs(args);
  const { x, out, n, p, seed } = args;
  const threshold = dropThreshold(p);
  const keepScale = Math.fround(1 / (1 - p));
  for (let i = 0; i < n; i++) out[i] = counterHash(seed, i) >= threshold ? x[i]! * keepScale : 0;
}

/** Check `uniformNoise`'s arguments at the boundary; throws KernelArgumentError naming the bad one. */
export function checkUniformNoiseArgs(args: UniformNoiseArgs): void {
  checkDims('uniformNoise', { n: args.n });
  checkLength('uniformNoise', 'x (n)', args.x, args.n);
  checkFinite('uniformNoise', 'magnitude', args.magnitude);
  checkSeed('uniformNoise', args.seed);
}

/** x[i] += (2u − 1) · magnitude, the product rounded to float32 first (as a float32 device computes it). */
export function uniformNoise(args: HostArgs<UniformNoiseArgs>): void {
  checkUniformNoiseArgs(args);
  const { x, n, seed } = args;
  const magnitude = Math.fround(args.magnitude);
  for (let i = 0; i < n; i++) x[i] = x[i]! + Math.fround((2 * counterUniform(seed, i) - 1) * magnitude);
}

// The wasm backend's causalSoftmax, behind the boundary checks of elementwise-register.ts (@lora/core's) and the
// mask offsets' own: one job (assembly/elementwise/causal-softmax.ts) that masks, normalizes and zeroes in one pass
// per row, rows dealt across the worker pool.
import { type CausalSoftmaxArgs, checkLength, type HostArgs, KernelArgumentError } from '@lora/core';
import { i32 } from './elementwise-job.js';
import type { ElementwiseRunner } from './elementwise-run.js';

/** relative cost per element of a job with exp in it, against a plain multiply-add pass */
const EXP_COST = 4;

const NO_MASK = new Int32Array(0);

export function causalSoftmax(run: ElementwiseRunner, args: HostArgs<CausalSoftmaxArgs>): void {
  const { x, out, blocks, heads, queries, keys, queryStart, keyMask, maskOffsets } = args;
  const size = blocks * heads * queries * keys;
  let maskLength = 0; // the keyMask elements the blocks read
  if (keyMask && maskOffsets) {
    for (let b = 0; b < blocks; b++) {
      const offset = maskOffsets[b]!;
      if (!Number.isInteger(offset) || offset < 0)
        throw new KernelArgumentError(`causalSoftmax: maskOffsets[${b}] expected >= 0, got ${offset}`);
      checkLength('causalSoftmax', `keyMask (block ${b} at ${offset})`, keyMask, offset + keys);
      maskLength = Math.max(maskLength, offset + keys);
    }
  }
  if (size === 0) return;
  const masked = keyMask !== undefined && maskOffsets !== undefined;
  run.run(
    'EW_CAUSAL_SOFTMAX',
    {
      x: [x, size, 'in'],
      out: [out, size, 'out'], // may alias x: one staged copy; every element is written (masked ones 0)
      keyMask: [masked ? keyMask : NO_MASK, maskLength, 'in'],
      maskOffsets: [masked ? maskOffsets : NO_MASK, masked ? blocks : 0, 'in'],
    },
    (p) =>
      [
        p.x,
        p.out,
        blocks,
        heads,
        queries,
        keys,
        queryStart,
        masked ? p.keyMask : 0,
        masked ? p.maskOffsets : 0,
      ].map(i32),
    // rows go out in groups; about half the scores of a causal row are read, the rest are zeroed
    {
      units: Math.ceil((blocks * heads * queries) / run.constant('CAUSAL_ROW_GROUP')),
      work: (size * EXP_COST) / 2,
    },
  );
}

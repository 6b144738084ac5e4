// Per-source sampling: a count (upsampling past the source size by whole passes) or a fraction, seeded.

import { DatasetError, preview } from './errors.js';
import { shuffledIndices } from '@lora/core';

/**
 * Which of `n` examples to use. `sample` is a count when it is an integer >= 1, a fraction when in (0, 1)
 * (round(fraction * n) examples), or everything when undefined. A count above `n` repeats the whole source
 * floor(count / n) times and adds count mod n seeded picks (LLaMA-Factory's `num_samples` upsampling, without
 * replacement inside each pass). Returns indices into the source.
 */
export function sampleIndices(
  n: number,
  sample: number | undefined,
  seed: number,
  label = 'sample',
): number[] {
  if (sample === undefined) return Array.from({ length: n }, (_, i) => i);
  let count: number;
  if (Number.isInteger(sample) && sample >= 1) count = sample;
  else if (typeof sample === 'number' && sample > 0 && sample < 1) count = Math.round(sample * n);
  else {
    throw new DatasetError(
      `${label}: expected a count (integer >= 1) or a fraction in (0, 1), got ${preview(sample)}`,
      {
        key: 'sample',
      },
    );
  }
  if (count === 0 || n === 0) {
    throw new DatasetError(
      `${label}: expected to select at least one of ${n} examples, got ${count} for sample ${sample}`,
      {
        key: 'sample',
      },
    );
  }
  const out: number[] = [];
  for (let pass = 0; pass < Math.floor(count / n); pass++) for (let i = 0; i < n; i++) out.push(i);
  const order = shuffledIndices(n, seed);
  for (let i = 0; i < count % n; i++) out.push(order[i]!);
  return out;
}

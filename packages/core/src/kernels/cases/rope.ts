// Cases of rope: head dims of Qwen/Llama (64) and Gemma (256), partial rotary, odd head dims, inverse, in place.
import { ropeTables } from '../../rope-tables.js';
import { caseList, type KernelCase } from './case-list.js';
import { ints, normal, poisoned } from './inputs.js';

const { cases, add } = caseList();

const tables = new Map<number, { cos: Float32Array; sin: Float32Array }>();
const tablesFor = (rotaryDim: number) =>
  tables.get(rotaryDim) ??
  tables.set(rotaryDim, ropeTables({ positions: 1031, rotaryDim, theta: 1e6 })).get(rotaryDim)!;
for (const [tokens, heads, headDim, rotaryDim] of [
  [1, 1, 2, 2],
  [7, 3, 16, 16],
  [17, 14, 64, 64],
  [33, 2, 256, 256],
  [5, 3, 10, 6],
  [3, 2, 22, 14],
] as const) {
  for (const mode of ['forward', 'inverse', 'in place'] as const) {
    add('rope', `${tokens}×${heads}×${headDim} rotary ${rotaryDim} ${mode}`, (rng) => {
      const x = normal(rng, tokens * heads * headDim);
      const out = mode === 'in place' ? x : poisoned(x.length);
      return {
        x,
        out,
        tokens,
        heads,
        headDim,
        rotaryDim,
        positions: ints(rng, tokens, 1031),
        ...tablesFor(rotaryDim),
        inverse: mode === 'inverse',
      };
    });
  }
}

export const ROPE_CASES: readonly KernelCase[] = cases;

// Cases of embedding and its backward: one row, odd sizes, over 1000 rows, and ids repeating few rows (the
// backward's scatter-add of repeated ids).
import { caseList, type KernelCase } from './case-list.js';
import { ints, normal, poisoned } from './inputs.js';

const { cases, add } = caseList();

for (const [vocab, dim, tokens, distinct] of [
  [1, 1, 1, 1],
  [33, 7, 17, 33],
  [1031, 65, 127, 1031],
  [1031, 65, 127, 3],
] as const) {
  const label = `V ${vocab} C ${dim} T ${tokens}${distinct < vocab ? ` (ids from ${distinct} rows)` : ''}`;
  add('embedding', label, (rng) => ({
    ids: ints(rng, tokens, distinct),
    table: normal(rng, vocab * dim),
    out: poisoned(tokens * dim),
    tokens,
    dim,
  }));
  add('embeddingBackward', label, (rng) => ({
    ids: ints(rng, tokens, distinct),
    dout: normal(rng, tokens * dim),
    dtableAccumulate: normal(rng, vocab * dim),
    tokens,
    dim,
  }));
}

export const EMBEDDING_CASES: readonly KernelCase[] = cases;

// Cases of embedding and its backward: one row, odd sizes, over 1000 rows, and ids repeating few rows (the
// backward's scatter-add of repeated ids), and row blocks of a table split across arrays.
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

// Row blocks of a split table: the ids span the whole vocabulary and the array holds `rows` of it from `start`
// (the last block shorter; an array longer than its block); rows of other blocks keep what out held.
for (const [vocab, dim, tokens, start, rows, extra] of [
  [33, 7, 17, 0, 11, 0],
  [1031, 65, 127, 400, 400, 0],
  [1031, 65, 127, 1000, 31, 3],
  [1031, 65, 127, 2000, 5, 0],
] as const) {
  const label = `V ${vocab} C ${dim} T ${tokens} rows [${start}, ${start + rows})${extra ? ` of ${rows + extra}` : ''}`;
  add('embedding', label, (rng) => ({
    ids: ints(rng, tokens, vocab),
    table: normal(rng, (rows + extra) * dim),
    out: normal(rng, tokens * dim),
    tokens,
    dim,
    rowStart: start,
    rowCount: rows,
  }));
  add('embeddingBackward', label, (rng) => ({
    ids: ints(rng, tokens, vocab),
    dout: normal(rng, tokens * dim),
    dtableAccumulate: normal(rng, (rows + extra) * dim),
    tokens,
    dim,
    rowStart: start,
    rowCount: rows,
  }));
}

export const EMBEDDING_CASES: readonly KernelCase[] = cases;

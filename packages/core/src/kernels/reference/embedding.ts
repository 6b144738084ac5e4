// Reference token embedding lookup and its scatter-add backward (torch.nn.functional.embedding).
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength, KernelArgumentError } from '../check.js';
import type { EmbeddingArgs, EmbeddingBackwardArgs } from '../types.js';

/** Every id is a row of `table` (V = ⌊table.length / dim⌋): a host check, it reads the ids. */
export function checkEmbeddingIds(
  kernel: string,
  ids: Int32Array,
  tokens: number,
  dim: number,
  table: Float32Array,
  label: string,
): void {
  const vocab = dim > 0 ? Math.floor(table.length / dim) : 0;
  for (let t = 0; t < tokens; t++) {
    const id = ids[t]!;
    if (!(id >= 0 && id < vocab)) {
      throw new KernelArgumentError(
        `${kernel}: ids[${t}] expected a row of ${label} in [0, ${vocab}), got ${id}`,
      );
    }
  }
}

/** Dims and lengths; whether each id is a row of the table reads contents: embedding checks it. */
export function checkEmbeddingArgs(args: EmbeddingArgs): void {
  const { ids, out, tokens, dim } = args;
  checkDims('embedding', { tokens, dim });
  checkLength('embedding', 'out (T, C)', out, tokens * dim);
  if (dim > 0) checkLength('embedding', 'ids (T)', ids, tokens);
}

/** out[t] = table[ids[t]]. */
export function embedding(args: HostArgs<EmbeddingArgs>): void {
  checkEmbeddingArgs(args);
  const { ids, table, out, tokens, dim } = args;
  if (dim === 0) return;
  checkEmbeddingIds('embedding', ids, tokens, dim, table, 'table (V, C)');
  for (let t = 0; t < tokens; t++) {
    const src = ids[t]! * dim;
    for (let c = 0; c < dim; c++) out[t * dim + c] = table[src + c]!; // (T, C)
  }
}

/** Dims and lengths; whether each id is a row of dtableAccumulate reads contents: embeddingBackward checks it. */
export function checkEmbeddingBackwardArgs(args: EmbeddingBackwardArgs): void {
  const { ids, dout, tokens, dim } = args;
  checkDims('embeddingBackward', { tokens, dim });
  checkLength('embeddingBackward', 'dout (T, C)', dout, tokens * dim);
  if (dim > 0) checkLength('embeddingBackward', 'ids (T)', ids, tokens);
}

/** dtable[ids[t]] += dout[t], in token order (repeated ids add up). */
export function embeddingBackward(args: HostArgs<EmbeddingBackwardArgs>): void {
  checkEmbeddingBackwardArgs(args);
  const { ids, dout, dtableAccumulate: dtable, tokens, dim } = args;
  if (dim === 0) return;
  checkEmbeddingIds('embeddingBackward', ids, tokens, dim, dtable, 'dtableAccumulate (V, C)');
  for (let t = 0; t < tokens; t++) {
    const dst = ids[t]! * dim;
    for (let c = 0; c < dim; c++) dtable[dst + c]! += dout[t * dim + c]!; // (V, C)
  }
}

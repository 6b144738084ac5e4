// Reference token embedding lookup and its scatter-add backward (torch.nn.functional.embedding).
import { checkDims, checkLength, KernelArgumentError } from '../check.js';
import type { EmbeddingArgs, EmbeddingBackwardArgs } from '../types.js';

function checkIds(
  kernel: string,
  ids: Int32Array,
  tokens: number,
  dim: number,
  table: Float32Array,
  label: string,
): void {
  checkLength(kernel, 'ids (T)', ids, tokens);
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

/** out[t] = table[ids[t]]. */
export function embedding(args: EmbeddingArgs): void {
  const { ids, table, out, tokens, dim } = args;
  checkDims('embedding', { tokens, dim });
  checkLength('embedding', 'out (T, C)', out, tokens * dim);
  if (dim === 0) return;
  checkIds('embedding', ids, tokens, dim, table, 'table (V, C)');
  for (let t = 0; t < tokens; t++) {
    const src = ids[t]! * dim;
    for (let c = 0; c < dim; c++) out[t * dim + c] = table[src + c]!; // (T, C)
  }
}

/** dtable[ids[t]] += dout[t], in token order (repeated ids add up). */
export function embeddingBackward(args: EmbeddingBackwardArgs): void {
  const { ids, dout, dtableAccumulate: dtable, tokens, dim } = args;
  checkDims('embeddingBackward', { tokens, dim });
  checkLength('embeddingBackward', 'dout (T, C)', dout, tokens * dim);
  if (dim === 0) return;
  checkIds('embeddingBackward', ids, tokens, dim, dtable, 'dtableAccumulate (V, C)');
  for (let t = 0; t < tokens; t++) {
    const dst = ids[t]! * dim;
    for (let c = 0; c < dim; c++) dtable[dst + c]! += dout[t * dim + c]!; // (V, C)
  }
}

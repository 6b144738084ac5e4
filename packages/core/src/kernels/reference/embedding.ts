// Reference token embedding lookup and its scatter-add backward (torch.nn.functional.embedding), whole table or one
// row block of a table split across arrays.
import type { HostArgs } from '../../device/arrays.js';
import { checkDims, checkLength, KernelArgumentError } from '../check.js';
import type { EmbeddingArgs, EmbeddingBackwardArgs, RowBlock } from '../types.js';

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

/** The rows an embedding call's array holds: a RowBlock's, or the whole table's [0, ⌊length / dim⌋). */
export interface EmbeddingRows {
  start: number;
  count: number;
  /** a RowBlock: ids outside [start, start + count) are skipped instead of refused */
  block: boolean;
}

/**
 * The rows `array` holds for a call of `kernel` with `args`' RowBlock: both of rowStart and rowCount or neither,
 * non-negative integers, rowCount rows within the array. O(1).
 */
export function embeddingRows(
  kernel: string,
  args: RowBlock & { dim: number },
  array: { readonly length: number },
  label: string,
): EmbeddingRows {
  const { rowStart, rowCount, dim } = args;
  const whole = dim > 0 ? Math.floor(array.length / dim) : 0;
  if (rowStart === undefined && rowCount === undefined) return { start: 0, count: whole, block: false };
  if (rowStart === undefined || rowCount === undefined)
    throw new KernelArgumentError(
      `${kernel}: rowStart and rowCount expected together, got rowStart ${rowStart} and rowCount ${rowCount}`,
    );
  checkDims(kernel, { rowStart, rowCount });
  if (rowCount > whole)
    throw new KernelArgumentError(
      `${kernel}: ${label} expected at least rowCount = ${rowCount} rows of ${dim}, got ${array.length} elements`,
    );
  return { start: rowStart, count: rowCount, block: true };
}

/** Dims, lengths and the row block; whether each id is a row of the table reads contents: embedding checks it. */
export function checkEmbeddingArgs(args: EmbeddingArgs): void {
  const { ids, out, tokens, dim } = args;
  checkDims('embedding', { tokens, dim });
  checkLength('embedding', 'out (T, C)', out, tokens * dim);
  if (dim > 0) checkLength('embedding', 'ids (T)', ids, tokens);
  embeddingRows('embedding', args, args.table, 'table');
}

/** out[t] = table[ids[t]]; with a RowBlock, out[t] = table[ids[t] − rowStart] for the ids in the block only. */
export function embedding(args: HostArgs<EmbeddingArgs>): void {
  checkEmbeddingArgs(args);
  const { ids, table, out, tokens, dim } = args;
  if (dim === 0) return;
  const rows = embeddingRows('embedding', args, table, 'table');
  if (!rows.block) checkEmbeddingIds('embedding', ids, tokens, dim, table, 'table (V, C)');
  for (let t = 0; t < tokens; t++) {
    const row = ids[t]! - rows.start;
    if (!(row >= 0 && row < rows.count)) continue; // another block's row
    const src = row * dim;
    for (let c = 0; c < dim; c++) out[t * dim + c] = table[src + c]!; // (T, C)
  }
}

/** Dims, lengths and the row block; whether each id is a row of dtableAccumulate reads contents: the kernel checks it. */
export function checkEmbeddingBackwardArgs(args: EmbeddingBackwardArgs): void {
  const { ids, dout, tokens, dim } = args;
  checkDims('embeddingBackward', { tokens, dim });
  checkLength('embeddingBackward', 'dout (T, C)', dout, tokens * dim);
  if (dim > 0) checkLength('embeddingBackward', 'ids (T)', ids, tokens);
  embeddingRows('embeddingBackward', args, args.dtableAccumulate, 'dtableAccumulate');
}

/** dtable[ids[t]] += dout[t], in token order (repeated ids add up); with a RowBlock, only the ids in the block. */
export function embeddingBackward(args: HostArgs<EmbeddingBackwardArgs>): void {
  checkEmbeddingBackwardArgs(args);
  const { ids, dout, dtableAccumulate: dtable, tokens, dim } = args;
  if (dim === 0) return;
  const rows = embeddingRows('embeddingBackward', args, dtable, 'dtableAccumulate');
  if (!rows.block)
    checkEmbeddingIds('embeddingBackward', ids, tokens, dim, dtable, 'dtableAccumulate (V, C)');
  for (let t = 0; t < tokens; t++) {
    const row = ids[t]! - rows.start;
    if (!(row >= 0 && row < rows.count)) continue; // another block's row
    const dst = row * dim;
    for (let c = 0; c < dim; c++) dtable[dst + c]! += dout[t * dim + c]!; // (V, C)
  }
}

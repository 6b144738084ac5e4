// Whether a model fits a memory before it moves there: every tensor within the memory's largest array (a GPU's
// largest storage binding), the tables read by rows checked by their row blocks.
import type { DeviceMemory, LinearModule, Parameter } from '@lora/core';
import { ModelInputError } from './errors.js';
import { type RowBlocks, showBytes } from './row-blocks.js';

/**
 * Refuses, before anything moves, a tensor larger than the memory's largest array (a GPU's largest storage
 * binding), naming it: a row of a table read by rows (split into row blocks instead), or any other parameter or
 * 4-bit weight, which the linears read whole.
 */
export function checkFits(
  tables: readonly RowBlocks[],
  params: readonly Parameter[],
  linears: ReadonlyMap<string, LinearModule>,
  memory: DeviceMemory,
): void {
  const limit = memory.maxArrayBytes;
  if (limit === undefined) return;
  for (const table of tables) table.check(memory);
  const tensors: [string, number][] = params.map((p) => [p.name, 4 * p.data.length]);
  for (const [name, linear] of linears) {
    const packed = (linear as { weight?: { packed?: { length: number } } }).weight?.packed;
    if (packed) tensors.push([`${name}.weight (4-bit codes)`, packed.length]);
  }
  for (const [name, bytes] of tensors) {
    if (bytes > limit)
      throw new ModelInputError(
        `useMemory: tensor "${name}" needs ${showBytes(bytes)}, above the ${memory.name} memory's largest array of ${showBytes(limit)} (only the embeddings and lm_head are split into row blocks)`,
      );
  }
}

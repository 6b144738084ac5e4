// A base tensor an adapter saves whole (modules_to_save, e.g. embed_tokens) that the model keeps as row blocks — its
// memory's largest array (a GPU's largest storage binding) holds fewer rows (Parameter.rowBlock): the blocks are
// parameters of one name, joined when saved and filled in order when loaded. A whole tensor is its one block.
import { joinArrays, type Parameter, readableOnHost, toHost, writeHost } from '@lora/core';

/** The tensor's shape: a row block's rows are those of the whole tensor. */
export function tensorShape(p: Parameter): number[] {
  return p.rowBlock ? [p.rowBlock.rows, ...p.shape.slice(1)] : [...p.shape];
}

/** The row blocks of `p`'s tensor among `params`, in row order (`p` alone when it is whole). */
export function blocksOf(p: Parameter, params: readonly Parameter[]): Parameter[] {
  if (!p.rowBlock) return [p];
  return params
    .filter((q) => q.name === p.name && q.rowBlock)
    .sort((a, b) => a.rowBlock!.rowStart - b.rowBlock!.rowStart);
}

/** The tensor's values on the host: the array itself where host code reads it, the blocks joined otherwise. */
export async function readTensor(blocks: readonly Parameter[]): Promise<Float32Array> {
  if (blocks.length === 1) return readableOnHost(blocks[0]!.data);
  return joinArrays(Float32Array, await Promise.all(blocks.map((b) => toHost(b.data))));
}

/** Writes the whole tensor's values into its blocks, each its rows. */
export function writeTensor(blocks: readonly Parameter[], data: Float32Array): void {
  let at = 0;
  for (const b of blocks) {
    writeHost(b.data, data.subarray(at, at + b.data.length));
    at += b.data.length;
  }
}

// A checkpoint holds each trainable tensor whole under its Hugging Face name, whatever row blocks the model keeps it in
// (Parameter.rowBlock: a memory's largest array holds fewer rows), so a run saved under one split resumes under any
// other: the blocks' values (and elementwise optimizer state) are joined when saved and sliced out when loaded.
import type { Parameter } from '@lora/core';

/** One tensor of a model: its blocks in row order (a whole tensor is its one block). */
export interface WholeTensor {
  /** Hugging Face name */
  name: string;
  /** the whole tensor's shape */
  shape: number[];
  /** elements of the whole tensor */
  size: number;
  blocks: { param: Parameter; index: number; offset: number }[];
}

/** The tensors `params` hold, in order of first appearance; `index` is a block's position in `params`. */
export function wholeTensors(params: readonly Parameter[]): WholeTensor[] {
  const byName = new Map<string, { param: Parameter; index: number }[]>();
  params.forEach((param, index) => {
    const list = byName.get(param.name) ?? [];
    list.push({ param, index });
    byName.set(param.name, list);
  });
  return [...byName].map(([name, list]) => {
    list.sort((a, b) => (a.param.rowBlock?.rowStart ?? 0) - (b.param.rowBlock?.rowStart ?? 0));
    const first = list[0]!.param;
    const shape = first.rowBlock ? [first.rowBlock.rows, ...first.shape.slice(1)] : [...first.shape];
    let offset = 0;
    const blocks = list.map((b) => {
      const block = { ...b, offset };
      offset += b.param.data.length;
      return block;
    });
    return { name, shape, size: shape.reduce((a, b) => a * b, 1), blocks };
  });
}

/** Elements of the whole tensor `p` is a block of (its own for a whole tensor): what bitsandbytes' min_8bit_size sees. */
export function tensorElements(p: Parameter): number {
  return p.rowBlock ? (p.data.length / p.shape[0]!) * p.rowBlock.rows : p.data.length;
}

/** The tensor's row starts, for messages: "whole" or "rows 0, 64". */
export function describeSplit(starts: readonly number[]): string {
  return starts.length <= 1 ? 'whole' : `row blocks at rows ${starts.join(', ')}`;
}

/** The blocks' host arrays as one (the array itself for one block: no copy). */
export function joinParts<T extends Float32Array | Uint8Array>(parts: readonly T[]): T {
  if (parts.length === 1) return parts[0]!;
  const out = new (parts[0]!.constructor as new (n: number) => T)(parts.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of parts) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

// The device's largest array in the memory plan (a GPU's largest storage binding, WebGPU's maxStorageBufferBindingSize):
// a model's dense tensors — the embedding, GPT-2's positions, a separate lm_head — are rows of hiddenSize f32 that
// @lora/models keeps as row blocks within it (CausalLM.useMemory), by the same rule (core's rowsPerArray: the lm head's
// table in whole vocabulary chunks where one fits); every other tensor (a linear's weight, its 4-bit codes) is read
// whole and must fit. What does not fit is refused before anything loads, naming the tensor.
import { rowsPerArray } from '@lora/core';
import type { LinearShape, ModelShapes } from './memory-plan.js';

const F32 = 4;

/** A dense tensor planned as row blocks of at most `rowsPerBlock` rows (`blocks` of them; 1 when it fits whole). */
export interface PlannedRowBlocks {
  name: string;
  rows: number;
  rowsPerBlock: number;
  blocks: number;
}

/** A tensor that no array of the device holds: its name, bytes and why. */
export interface TooLarge {
  name: string;
  bytes: number;
  detail: string;
}

/**
 * The row blocks of each dense tensor (rows of hiddenSize f32) within `maxArrayBytes` — the lm head's table
 * (`model.lmHeadTensor`) in whole chunks of `vocabChunk` rows where one fits — and the tensors that cannot fit: a
 * dense tensor one of whose rows is larger, a layer's linear weight (`linearBytes` each: f32, or 4-bit codes) larger
 * than it. Without a limit every tensor is one block.
 */
export function planRowBlocks(
  model: ModelShapes,
  linearBytes: (l: LinearShape) => number,
  maxArrayBytes: number | undefined,
  vocabChunk = model.vocabSize,
): { tables: PlannedRowBlocks[]; tooLarge: TooLarge[] } {
  const C = model.hiddenSize;
  const dense = model.denseTensors ?? [{ name: 'embed_tokens.weight', elements: model.vocabSize * C }];
  const tooLarge: TooLarge[] = [];
  const tables = dense.map(({ name, elements }) => {
    const rows = Math.max(1, Math.ceil(elements / C));
    const width = Math.min(elements, C);
    const per = rowsPerArray(rows, width, maxArrayBytes, name === model.lmHeadTensor ? vocabChunk : 1);
    if (per < 1)
      tooLarge.push({
        name,
        bytes: F32 * width,
        detail: `one row of ${width} f32 (a tensor is split by whole rows)`,
      });
    const rowsPerBlock = Math.max(1, per);
    return { name, rows, rowsPerBlock, blocks: Math.ceil(rows / rowsPerBlock) };
  });
  if (maxArrayBytes !== undefined)
    for (const l of model.layerLinears) {
      const bytes = linearBytes(l);
      if (bytes > maxArrayBytes)
        tooLarge.push({
          name: `layers.*.${l.name}.weight`,
          bytes,
          detail: `(${l.outFeatures}, ${l.inFeatures}), read whole (only the embeddings and lm_head are split into row blocks)`,
        });
    }
  return { tables, tooLarge };
}

// Packing: tokenized examples laid end to end in blocks of at most maxLength tokens, each block remembering where
// its examples start so attention and positions can restart there (collate turns the starts into position ids that
// restart at 0, and @lora/models keeps each example's attention to itself: TRL's padding-free packing).

import { DatasetError, describeLocation, preview } from './errors.js';
import type { TokenizedExample } from './tokenize.js';

/** One packed block of `packExamples`: ids and labels of several examples laid end to end, with where each starts. */
export interface PackedBlock {
  inputIds: number[];
  labels: number[];
  /**
   * offset of each example in the block; the first is 0. Keep them with the block: without them, collation treats
   * the block as one sequence (positions run on and examples attend to the ones before them).
   */
  sequenceStarts: number[];
}

/** What `packExamples` did: examples, blocks and tokens. */
export interface PackStats {
  examples: number;
  blocks: number;
  tokens: number;
  /** tokens / (blocks * maxLength) */
  fill: number;
}

/**
 * Pack in order, never splitting an example: a block is closed when the next example does not fit. The label of
 * each example's first token is set to -100, so no example is trained to follow the previous one.
 * @throws DatasetError for an example longer than maxLength (tokenize with the same maxLength first).
 */
export function packExamples(
  examples: readonly TokenizedExample[],
  options: { maxLength: number },
): { blocks: PackedBlock[]; stats: PackStats } {
  const { maxLength } = options;
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new DatasetError(`pack: maxLength: expected a positive integer, got ${preview(maxLength)}`, {
      key: 'maxLength',
    });
  }
  const blocks: PackedBlock[] = [];
  let block: PackedBlock | undefined;
  let tokens = 0;
  examples.forEach((example, i) => {
    const n = example.inputIds.length;
    const at =
      example.where === undefined ? `examples[${i}]` : `examples[${i}] (${describeLocation(example.where)})`;
    if (n === 0 || n > maxLength || example.labels.length !== n) {
      throw new DatasetError(
        `pack: ${at}: expected 1..${maxLength} tokens with one label each, got ${n} tokens and ${example.labels.length} labels` +
          (n > maxLength ? '; tokenize with the same maxLength first' : ''),
        example.where === undefined ? {} : { where: example.where },
      );
    }
    if (block === undefined || block.inputIds.length + n > maxLength) {
      block = { inputIds: [], labels: [], sequenceStarts: [] };
      blocks.push(block);
    }
    block.sequenceStarts.push(block.inputIds.length);
    block.inputIds.push(...example.inputIds);
    block.labels.push(-100, ...example.labels.slice(1));
    tokens += n;
  });
  const fill = blocks.length === 0 ? 0 : tokens / (blocks.length * maxLength);
  return { blocks, stats: { examples: examples.length, blocks: blocks.length, tokens, fill } };
}

// Data for a run: load the files, split off the eval set, tokenize with the chat format and loss mask, pack if
// asked, and describe in a few lines what was truncated, skipped or warned about (nothing is dropped silently).
import type { ChatFormat } from '@lora/chatml';
import {
  type CompletionTemplates,
  loadDataset,
  type PackedBlock,
  packExamples,
  type SftExample,
  type SourceOptions,
  type TokenizedExample,
  type TokenizeStats,
  tokenizeDataset,
  trainEvalSplit,
} from '@lora/datasets';
import type { Tokenizer } from '@lora/tokenize';
import { UsageError } from './errors.js';
import type { Options } from './options.js';
import type { TrainOptions } from './verb-options.js';

export interface RawSplits {
  train: SftExample[];
  eval: SftExample[];
  format: string;
}

export interface LoadDataOptions {
  data: string;
  evalData: string | undefined;
  evalSplit: number | undefined;
  seed: number;
  source: SourceOptions;
  /** keep the first N examples of each split */
  maxSamples?: number | undefined;
}

function capped(splits: RawSplits, n: number | undefined): RawSplits {
  return n === undefined
    ? splits
    : { ...splits, train: splits.train.slice(0, n), eval: splits.eval.slice(0, n) };
}

/** Training examples and the held-out ones (from --eval-data or --eval-split; none without either). */
export async function loadSplits(o: LoadDataOptions): Promise<RawSplits> {
  if (o.evalData !== undefined && o.evalSplit !== undefined) {
    throw new UsageError('lora train: expected --eval-data or --eval-split, got both');
  }
  const loaded = await loadDataset(o.data, o.source);
  if (loaded.examples.length === 0)
    throw new UsageError(`--data ${o.data}: expected at least one example, got none`);
  if (o.evalData !== undefined) {
    const held = await loadDataset(o.evalData, o.source);
    return capped({ train: loaded.examples, eval: held.examples, format: loaded.format }, o.maxSamples);
  }
  if (o.evalSplit !== undefined) {
    if (loaded.examples.length < 2)
      throw new UsageError(
        `--eval-split: expected at least 2 examples to split, got ${loaded.examples.length}`,
      );
    const split = trainEvalSplit(loaded.examples, { seed: o.seed, evalRatio: o.evalSplit });
    return capped({ ...split, format: loaded.format }, o.maxSamples);
  }
  return capped({ train: loaded.examples, eval: [], format: loaded.format }, o.maxSamples);
}

export interface TokenizeSettings {
  format: ChatFormat;
  maxLength: number;
  completionOnly: boolean;
  /** text data: train on what follows the response template only (--response-template) */
  completionTemplates?: CompletionTemplates | undefined;
}

/** --response-template / --instruction-template, when given; an instruction template alone is refused. */
export function completionTemplatesFrom(
  options: Options<Pick<TrainOptions, 'response_template' | 'instruction_template'>>,
): CompletionTemplates | undefined {
  const { response_template: response, instruction_template: instruction } = options.values;
  if (response === undefined || response === '') {
    if (instruction !== undefined)
      throw new UsageError(
        `${options.label('instruction_template')}: expected --response-template too (the instruction template only marks where masking resumes), got none`,
      );
    return undefined;
  }
  return instruction === undefined || instruction === '' ? { response } : { response, instruction };
}

/** One line about a tokenized set: kept, tokens, truncations, skips and warnings. */
export function describeStats(name: string, stats: TokenizeStats): string {
  const parts = [
    `${name}: ${stats.kept}/${stats.examples} examples, ${stats.tokens} tokens (${stats.labelTokens} trained)`,
  ];
  if (stats.truncated > 0) parts.push(`${stats.truncated} truncated (${stats.truncatedTokens} tokens cut)`);
  for (const s of stats.skipped)
    parts.push(`${s.count} skipped: ${s.reason}${s.examples[0] ? ` (e.g. ${s.examples[0]})` : ''}`);
  // pad == eos cannot mask a trained EOS here: @lora/datasets' collate builds labels from the examples, not pad ids
  for (const w of stats.warnings)
    if (w.code !== 'pad-equals-eos') parts.push(`warning ×${w.count}: ${w.message}`);
  return parts.join('; ');
}

export function tokenizeSplit(
  examples: readonly SftExample[],
  tokenizer: Tokenizer,
  s: TokenizeSettings,
): { examples: TokenizedExample[]; stats: TokenizeStats } {
  return tokenizeDataset(examples, tokenizer, {
    chatFormat: s.format,
    maxLength: s.maxLength,
    trainOn: s.completionOnly ? 'assistant' : 'all',
    ...(s.completionTemplates && { completionTemplates: s.completionTemplates }),
  });
}

/**
 * Pack into blocks of maxLength (the first label of each packed example is masked). The blocks keep their
 * sequenceStarts, so the trainer's batches restart positions there and each example attends only to itself.
 */
export function pack(
  examples: readonly TokenizedExample[],
  maxLength: number,
): { examples: PackedBlock[]; line: string } {
  const { blocks, stats } = packExamples(examples, { maxLength });
  const line = `packing: ${examples.length} examples into ${blocks.length} blocks of at most ${maxLength} tokens (${JSON.stringify(stats)})`;
  return { examples: blocks, line };
}

// Examples → what the Trainer and the evaluation take: token ids with the loss mask (@lora/datasets tokenizeDataset,
// the CLI's way: the chat format renders, the assistant turns are trained), the held-out prompts with their
// expected answers, and the first examples as spans of text marked trained or not for the page to highlight.
import type { ChatFormat, ChatMessage } from '@lora/chatml';
import {
  type SftExample,
  type TokenizedExample,
  type TokenizeStats,
  toMessages,
  tokenizeDataset,
} from '@lora/datasets';
import type { Tokenizer } from '@lora/tokenize';

export interface AnswerCase {
  /** the conversation up to (not including) the last assistant turn */
  prompt: ChatMessage[];
  expected: string;
}

/** Prompt / answer pairs of the conversational examples (plain text has none to ask). */
export function answerCases(examples: readonly SftExample[]): AnswerCase[] {
  const cases: AnswerCase[] = [];
  for (const example of examples) {
    const messages = toMessages(example);
    if (!messages) continue;
    let last = messages.length - 1;
    while (last >= 0 && messages[last]!.role !== 'assistant') last--;
    if (last < 1) continue;
    cases.push({
      prompt: messages.slice(0, last).map(({ role, content }) => ({ role, content })),
      expected: messages[last]!.content,
    });
  }
  return cases;
}

/** Tokenized with the chat format, loss on the assistant turns only, cut at maxLength. */
export function tokenizeExamples(
  examples: readonly SftExample[],
  tokenizer: Tokenizer,
  format: ChatFormat,
  maxLength: number,
): { examples: TokenizedExample[]; stats: TokenizeStats } {
  return tokenizeDataset(examples, tokenizer, { chatFormat: format, maxLength, trainOn: 'assistant' });
}

/** A run of an example's text whose tokens all carry a loss (train) or none do. */
export interface Span {
  text: string;
  train: boolean;
}

/**
 * The example's tokens as text spans, split where the loss mask changes. Each span is the text its tokens add to
 * the decoded prefix before them, so SentencePiece's leading spaces land where they belong.
 */
export function labelSpans(example: TokenizedExample, tokenizer: Tokenizer): Span[] {
  const { inputIds: ids, labels } = example;
  const spans: Span[] = [];
  let shown = '';
  let start = 0;
  for (let i = 1; i <= ids.length; i++) {
    const train = labels[start] !== -100;
    if (i < ids.length && (labels[i] !== -100) === train) continue;
    const text = tokenizer.decode(ids.slice(0, i));
    spans.push({ text: text.startsWith(shown) ? text.slice(shown.length) : text, train });
    shown = text;
    start = i;
  }
  return spans;
}

/** One line on a tokenized set: kept, tokens, trained tokens, truncated and skipped. */
export function describeStats(name: string, stats: TokenizeStats): string {
  const parts = [
    `${name}: ${stats.kept} of ${stats.examples} examples, ${stats.tokens.toLocaleString('en')} tokens (${stats.labelTokens.toLocaleString('en')} trained)`,
  ];
  if (stats.truncated > 0) parts.push(`${stats.truncated} cut at the maximum length`);
  for (const s of stats.skipped) parts.push(`${s.count} skipped: ${s.reason}`);
  return parts.join('; ');
}

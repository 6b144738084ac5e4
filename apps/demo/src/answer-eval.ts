// Held-out evaluation as a person checks it: greedy answers to the held-out prompts (the chat format's prompt, the
// KV cache, batched and left-padded) compared with the expected answers by exact match, plus the eval loss and
// perplexity of the answer tokens (@lora/sft evaluateModel). Reports its count as it goes; an abort stops it.
import type { ChatFormat } from '@lora/chatml';
import { type CausalLM, generate } from '@lora/models';
import { type EvalMetrics, evaluateModel, type TrainExample } from '@lora/sft';
import type { Tokenizer } from '@lora/tokenize';
import { promptIds } from './chat-setup.js';
import type { EvalResult, Prediction } from './protocol.js';
import type { AnswerCase } from './training-data.js';

/** Compare answers as a person would: trimmed, trailing punctuation and case ignored (the CLI's rule). */
export function normalizeAnswer(text: string): string {
  return text
    .trim()
    .replace(/[.!。！]+$/u, '')
    .trim()
    .toLowerCase();
}

/** Text of generated ids without special tokens or a trailing half character, trimmed. */
export function answerText(tokenizer: Tokenizer, ids: readonly number[]): string {
  return tokenizer
    .decode(ids, { skipSpecialTokens: true })
    .replace(/\uFFFD+$/u, '')
    .trim();
}

export interface AnswerEvalOptions {
  /** prompts generated together (left-padded) */
  batchSize: number;
  maxNewTokens: number;
  stopIds: number[];
  padTokenId: number;
  /** after each batch: answers so far, of how many */
  onCount?: (done: number, total: number) => void;
  /** checked between batches: the answers so far are scored */
  signal?: AbortSignal;
}

/** Greedy answers to `cases`, in order (fewer when aborted). */
export async function answerPrompts(
  model: CausalLM,
  tokenizer: Tokenizer,
  format: ChatFormat,
  cases: readonly AnswerCase[],
  o: AnswerEvalOptions,
): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < cases.length && !o.signal?.aborted; i += o.batchSize) {
    const prompts = cases.slice(i, i + o.batchSize).map((c) => promptIds(tokenizer, format, c.prompt));
    const { tokens } = await generate(model, prompts, {
      maxNewTokens: o.maxNewTokens,
      doSample: false,
      eosTokenIds: o.stopIds,
      padTokenId: o.padTokenId,
    });
    for (const row of tokens) answers.push(answerText(tokenizer, row));
    o.onCount?.(answers.length, cases.length);
  }
  return answers;
}

/** Exact match of `answers` against the cases (only the answered ones count). */
export function scoreAnswers(
  cases: readonly AnswerCase[],
  answers: readonly string[],
): { correct: number; predictions: Prediction[] } {
  const predictions = answers.map((got, i) => {
    const c = cases[i]!;
    return {
      input: c.prompt.at(-1)?.content ?? '',
      expected: c.expected,
      got,
      correct: normalizeAnswer(got) === normalizeAnswer(c.expected),
    };
  });
  return { correct: predictions.filter((p) => p.correct).length, predictions };
}

export async function evaluateAnswers(
  when: 'before' | 'after',
  model: CausalLM,
  tokenizer: Tokenizer,
  format: ChatFormat,
  cases: readonly AnswerCase[],
  evalSet: readonly TrainExample[],
  o: AnswerEvalOptions,
): Promise<EvalResult> {
  const metrics: EvalMetrics | undefined =
    evalSet.length === 0
      ? undefined
      : await evaluateModel(model, evalSet, o.batchSize, { padTokenId: o.padTokenId, paddingSide: 'right' });
  const answers = await answerPrompts(model, tokenizer, format, cases, o);
  const { correct, predictions } = scoreAnswers(cases, answers);
  return {
    when,
    correct,
    total: predictions.length,
    planned: cases.length,
    accuracy: predictions.length === 0 ? Number.NaN : correct / predictions.length,
    evalLoss: metrics?.eval_loss ?? Number.NaN,
    perplexity: metrics?.eval_perplexity ?? Number.NaN,
    predictions,
  };
}

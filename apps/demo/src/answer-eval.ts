// Held-out evaluation as a person checks it: greedy answers to the held-out prompts (ChatML with the generation
// prompt) compared with the labels, plus the eval loss and perplexity of the answer tokens (@lora/sft).
import { type CausalLM, generate } from '@lora/models';
import { type EvalMetrics, evaluateModel, type TrainExample } from '@lora/sft';
import type { Tokenizer } from '@lora/tokenize';
import { decodeGenerated } from './chat-reply.js';
import { type AnswerCase, renderChatml } from './demo-data.js';
import type { EvalResult, Prediction } from './protocol.js';

/** Compare answers as a person would: trimmed, trailing punctuation and case ignored (the CLI's rule). */
export function normalizeAnswer(text: string): string {
  return text
    .trim()
    .replace(/[.!。！]+$/u, '')
    .trim()
    .toLowerCase();
}

export interface AnswerEvalOptions {
  /** prompts generated together (left-padded) */
  batchSize: number;
  maxNewTokens: number;
  /** ids that end an answer (<|im_end|>, <|endoftext|>) */
  stopIds: number[];
  padTokenId: number;
}

/** Greedy answers to `cases`, in order. */
export async function answerPrompts(
  model: CausalLM,
  tokenizer: Tokenizer,
  cases: readonly AnswerCase[],
  o: AnswerEvalOptions,
): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < cases.length; i += o.batchSize) {
    const prompts = cases
      .slice(i, i + o.batchSize)
      .map((c) => tokenizer.encode(renderChatml(c.prompt, true)));
    const { tokens } = await generate(model, prompts, {
      maxNewTokens: o.maxNewTokens,
      doSample: false,
      eosTokenIds: o.stopIds,
      padTokenId: o.padTokenId,
    });
    for (const row of tokens) answers.push(decodeGenerated(tokenizer, row));
  }
  return answers;
}

/** Accuracy of `answers` against the cases' labels. */
export function scoreAnswers(
  cases: readonly AnswerCase[],
  answers: readonly string[],
): { correct: number; predictions: Prediction[] } {
  const predictions = cases.map((c, i) => {
    const got = answers[i] ?? '';
    const input = c.prompt.at(-1)?.content.split('\n').at(-1) ?? '';
    return {
      input,
      expected: c.expected,
      got,
      correct: normalizeAnswer(got) === normalizeAnswer(c.expected),
    };
  });
  const correct = predictions.filter((p) => p.correct).length;
  return { correct, predictions };
}

export async function evaluateAnswers(
  when: 'before' | 'after',
  model: CausalLM,
  tokenizer: Tokenizer,
  cases: readonly AnswerCase[],
  evalSet: readonly TrainExample[],
  o: AnswerEvalOptions,
): Promise<EvalResult> {
  const metrics: EvalMetrics = await evaluateModel(model, evalSet, o.batchSize, {
    padTokenId: o.padTokenId,
    paddingSide: 'right',
  });
  const { correct, predictions } = scoreAnswers(cases, await answerPrompts(model, tokenizer, cases, o));
  return {
    when,
    correct,
    total: cases.length,
    accuracy: cases.length === 0 ? Number.NaN : correct / cases.length,
    evalLoss: metrics.eval_loss,
    perplexity: metrics.eval_perplexity,
    predictions,
  };
}

// Answer-level evaluation: prompts (the conversation before the last assistant turn) → generated answers →
// exact match, and for a closed label set sklearn's classification report with the confusion matrix.
import type { ChatMessage } from '@lora/chatml';
import { type SftExample, toMessages } from '@lora/datasets';
import { type ClassificationReport, classificationReport } from '@lora/metrics';

export interface AnswerCase {
  /** the conversation up to (not including) the answer */
  prompt: ChatMessage[];
  expected: string;
}

export interface AnswerScore {
  total: number;
  correct: number;
  /** correct / total */
  accuracy: number;
  /** set when the expected answers form a closed label set */
  report: ClassificationReport | undefined;
}

/** The label predictions that fall outside the label set are counted under (a garbled answer is wrong, not dropped). */
export const OTHER_LABEL = '(other)';

/** Compare answers as a person would: trimmed, trailing punctuation and case ignored. */
export function normalizeAnswer(text: string): string {
  return text
    .trim()
    .replace(/[.!。！]+$/u, '')
    .trim()
    .toLowerCase();
}

/** Prompt/answer pairs from conversational examples (text and tokenized examples have none). */
export function answerCases(
  examples: readonly SftExample[],
  labelOf?: (i: number) => string | undefined,
): AnswerCase[] {
  const cases: AnswerCase[] = [];
  examples.forEach((example, i) => {
    const messages = toMessages(example);
    if (!messages) return;
    let last = messages.length - 1;
    while (last >= 0 && messages[last]!.role !== 'assistant') last--;
    if (last < 1) return;
    const expected = labelOf?.(i) ?? messages[last]!.content;
    cases.push({ prompt: messages.slice(0, last).map(({ role, content }) => ({ role, content })), expected });
  });
  return cases;
}

/**
 * The label set when the expected answers look like one: at most 20 distinct short answers (≤ 4 words), each
 * seen at least twice on average. Undefined for free-form answers.
 */
export function closedLabelSet(expected: readonly string[]): string[] | undefined {
  const labels = [...new Set(expected.map(normalizeAnswer))];
  if (expected.length < 2 || labels.length > 20 || labels.length * 2 > expected.length) return undefined;
  if (labels.some((l) => l === '' || l.split(/\s+/).length > 4)) return undefined;
  return labels.sort();
}

export function scoreAnswers(expected: readonly string[], predicted: readonly string[]): AnswerScore {
  const truth = expected.map(normalizeAnswer);
  const guesses = predicted.map(normalizeAnswer);
  const correct = truth.filter((t, i) => t === guesses[i]).length;
  const labels = closedLabelSet(expected);
  const report =
    labels === undefined || truth.length === 0
      ? undefined
      : classificationReport(truth, guesses, { labels, unknownLabel: OTHER_LABEL, zeroDivision: 0 });
  return {
    total: truth.length,
    correct,
    accuracy: truth.length === 0 ? Number.NaN : correct / truth.length,
    report,
  };
}

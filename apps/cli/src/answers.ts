// Answer-level evaluation: prompts (the conversation before the last assistant turn) → generated answers → a
// metric that suits the answers: for a closed label set, accuracy with sklearn's classification report and the
// confusion matrix; for short answers (a name, a number, a word), exact match; for open text (translations,
// explanations), chrF with BLEU and ROUGE-L beside it, where exact match says almost nothing.
import type { ChatMessage } from '@lora/chatml';
import { type CompletionTemplates, promptOfText, type SftExample, toMessages } from '@lora/datasets';
import {
  type ClassificationReport,
  classificationReport,
  corpusBleu,
  corpusChrf,
  corpusRougeL,
} from '@lora/metrics';

export interface AnswerCase {
  /** the conversation up to (not including) the answer, or for text data the raw text up to the response template */
  prompt: ChatMessage[] | string;
  expected: string;
}

/** The prompt as a person reads it: the conversation's contents, one per line, or the raw text. */
export function promptText(c: AnswerCase): string {
  return typeof c.prompt === 'string' ? c.prompt : c.prompt.map((m) => m.content).join('\n');
}

/** labels: a closed label set; short: every answer is a few words; text: open text */
export type AnswerKind = 'labels' | 'short' | 'text';

/** Corpus overlap scores of open-text answers: sacreBLEU's BLEU and chrF (0–100), ROUGE-L F-measure (0–1). */
export interface TextScores {
  bleu: number;
  chrf: number;
  rougeL: number;
}

export interface AnswerScore {
  kind: AnswerKind;
  total: number;
  /** exact matches (normalized as normalizeAnswer does) */
  correct: number;
  /** correct / total */
  accuracy: number;
  /** set when the expected answers form a closed label set */
  report: ClassificationReport | undefined;
  /** set for open text */
  text: TextScores | undefined;
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

/** A text example's answer without the EOS token text it ends with (`Paris.</s>`): generation stops before it. */
function withoutEos(answer: string, eosToken: string | undefined): string {
  const text = answer.trim();
  return eosToken && text.endsWith(eosToken) ? text.slice(0, -eosToken.length).trim() : text;
}

/**
 * Prompt/answer pairs: from conversational examples, and from text examples when a response template splits them
 * (the text up to the last template is the prompt, the rest the answer, less a final `eosToken`). Tokenized
 * examples have none.
 */
export function answerCases(
  examples: readonly SftExample[],
  labelOf?: (i: number) => string | undefined,
  templates?: CompletionTemplates,
  eosToken?: string,
): AnswerCase[] {
  const cases: AnswerCase[] = [];
  examples.forEach((example, i) => {
    if (example.format === 'text') {
      const split = templates === undefined ? undefined : promptOfText(example.text, templates);
      if (split)
        cases.push({ prompt: split.prompt, expected: labelOf?.(i) ?? withoutEos(split.answer, eosToken) });
      return;
    }
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

/** Answers of at most this many words are short: exact match is their metric. */
const SHORT_ANSWER_WORDS = 4;

export function answerKind(expected: readonly string[]): AnswerKind {
  if (closedLabelSet(expected) !== undefined) return 'labels';
  const words = (t: string) => t.trim().split(/\s+/).length;
  return expected.every((t) => words(t) <= SHORT_ANSWER_WORDS) ? 'short' : 'text';
}

export function scoreAnswers(expected: readonly string[], predicted: readonly string[]): AnswerScore {
  const truth = expected.map(normalizeAnswer);
  const guesses = predicted.map(normalizeAnswer);
  const correct = truth.filter((t, i) => t === guesses[i]).length;
  const kind = answerKind(expected);
  const labels = kind === 'labels' ? closedLabelSet(expected) : undefined;
  const report =
    labels === undefined || truth.length === 0
      ? undefined
      : classificationReport(truth, guesses, { labels, unknownLabel: OTHER_LABEL, zeroDivision: 0 });
  const references = expected.map((t) => t.trim());
  const text =
    kind === 'text' && truth.length > 0
      ? {
          bleu: corpusBleu(predicted, references).score,
          chrf: corpusChrf(predicted, references).score,
          rougeL: corpusRougeL(predicted, references).fmeasure,
        }
      : undefined;
  return {
    kind,
    total: truth.length,
    correct,
    accuracy: truth.length === 0 ? Number.NaN : correct / truth.length,
    report,
    text,
  };
}

/** The one figure that says how well the answers went, as the summary and the sweep show it. */
export function headlineMetric(s: AnswerScore): { name: string; value: number; shown: string } {
  if (s.kind === 'text' && s.text) return { name: 'chrF', value: s.text.chrf, shown: `chrF ${s.text.chrf.toFixed(1)}` };
  const name = s.kind === 'labels' ? 'accuracy' : 'exact match';
  const shown = Number.isNaN(s.accuracy) ? '–' : `${(100 * s.accuracy).toFixed(1)}% (${s.correct}/${s.total})`;
  return { name, value: s.accuracy, shown: `${name} ${shown}` };
}

/** Every figure of a score, for the console and the report: `accuracy 92.0% (46/50), macro F1 0.9100, weighted F1 0.9200`. */
export function describeAnswers(s: AnswerScore): string {
  const parts = [headlineMetric(s).shown];
  if (s.report) parts.push(`macro F1 ${s.report.macro.f1.toFixed(4)}`, `weighted F1 ${s.report.weighted.f1.toFixed(4)}`);
  if (s.text) {
    parts.push(`BLEU ${s.text.bleu.toFixed(1)}`, `ROUGE-L ${s.text.rougeL.toFixed(4)}`);
    parts.push(`exact match ${s.correct}/${s.total}`);
  }
  return parts.join(', ');
}

/** The JSON fields of a score (eval --json, eval_results.json): every figure, per class included. */
export function answersJson(s: AnswerScore): Record<string, unknown> {
  const r = s.report;
  return {
    answer_kind: s.kind,
    metric: headlineMetric(s).name,
    accuracy: s.accuracy,
    correct: s.correct,
    total: s.total,
    ...(s.text && { bleu: s.text.bleu, chrf: s.text.chrf, rouge_l: s.text.rougeL }),
    ...(r && {
      macro_precision: r.macro.precision,
      macro_recall: r.macro.recall,
      macro_f1: r.macro.f1,
      weighted_precision: r.weighted.precision,
      weighted_recall: r.weighted.recall,
      weighted_f1: r.weighted.f1,
      per_class: Object.fromEntries(
        r.perClass.map((c) => [c.label, { precision: c.precision, recall: c.recall, f1: c.f1, support: c.support }]),
      ),
      confusion_matrix: {
        labels: r.confusionMatrix.labels,
        columns: r.confusionMatrix.columns,
        counts: r.confusionMatrix.counts,
      },
    }),
  };
}

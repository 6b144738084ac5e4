// Completion-only training of plain text, as TRL's DataCollatorForCompletionOnlyLM does it: the tokens after each
// response template (e.g. "<|assistant|>\n" or "### Answer:") train, everything before the first one does not, and
// with an instruction template (e.g. "<|user|>\n") each span from an instruction template to the next response
// template is masked again, so multi-turn text trains on every answer. The templates themselves never train.
// TRL matches the templates' token ids; this matches them in the text and aligns the spans to the whole text's ids
// (see align.ts), so a template that tokenizes differently in context is still found.
import type { TextSegment } from './align.js';

/** TRL's completion-only templates: the text before every answer, and before every prompt turn. */
export interface CompletionTemplates {
  /** the text right before every answer */
  response: string;
  /** the text right before every prompt turn (multi-turn); without it, everything after the first answer starts trains */
  instruction?: string;
}

/**
 * The text as untrained/trained segments, or undefined when the response template does not occur (the example
 * has nothing to train on: the caller skips it, counted, where TRL only warns).
 */
export function completionSegments(text: string, t: CompletionTemplates): TextSegment[] | undefined {
  const first = text.indexOf(t.response);
  if (first < 0) return undefined;
  const segments: TextSegment[] = [];
  let at = 0; // start of the current untrained span
  let answer = first;
  while (answer >= 0) {
    const start = answer + t.response.length;
    segments.push({ text: text.slice(at, start), train: false });
    const nextTurn = t.instruction === undefined ? -1 : text.indexOf(t.instruction, start);
    const end = nextTurn < 0 ? text.length : nextTurn;
    segments.push({ text: text.slice(start, end), train: true });
    at = end;
    answer = end < text.length ? text.indexOf(t.response, end) : -1;
  }
  if (at < text.length) segments.push({ text: text.slice(at), train: false });
  return segments.filter((s) => s.text !== '');
}

/** The prompt and the expected answer of a text example: the text up to its last response template, and the rest. */
export function promptOfText(
  text: string,
  t: CompletionTemplates,
): { prompt: string; answer: string } | undefined {
  const last = text.lastIndexOf(t.response);
  if (last < 0) return undefined;
  const start = last + t.response.length;
  return { prompt: text.slice(0, start), answer: text.slice(start) };
}

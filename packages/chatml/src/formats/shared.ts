// Helpers the builtin formats share: boundary validation and the role-alternation rule of Llama-2 / Gemma templates.
import { ChatFormatError } from '../errors.js';
import type { ChatMessage } from '../types.js';
import { validateMessages } from '../validate.js';

/** Validate at the public boundary (an assistant turn is not required: prompts for generation are fine). */
export function checkMessages(format: string, messages: readonly ChatMessage[]): readonly ChatMessage[] {
  return validateMessages(messages, { source: format, requireAssistant: false });
}

/** Split an optional leading system message off, as the Llama-2 and Gemma templates do. */
export function splitSystem(messages: readonly ChatMessage[]): {
  system: string | undefined;
  turns: readonly ChatMessage[];
  offset: number;
} {
  const first = messages[0];
  if (first?.role === 'system') return { system: first.content, turns: messages.slice(1), offset: 1 };
  return { system: undefined, turns: messages, offset: 0 };
}

/** The templates' rule: even turns are 'user', odd turns are not (raise_exception otherwise). */
export function checkAlternation(format: string, turns: readonly ChatMessage[], offset: number): void {
  turns.forEach((m, i) => {
    if ((m.role === 'user') !== (i % 2 === 0)) {
      throw new ChatFormatError(
        `${format}: messages[${i + offset}].role: expected ${i % 2 === 0 ? "'user'" : "'assistant'"}, got '${m.role}' ` +
          '(roles must alternate user/assistant/... after an optional first system message)',
      );
    }
  });
  if (turns.length === 0) {
    throw new ChatFormatError(
      `${format}: messages: expected a user message after the system message, got none`,
    );
  }
}

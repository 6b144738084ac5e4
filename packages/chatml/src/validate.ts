// Boundary checks for conversations: every message has a string role and content, and training data has an assistant turn.
import { describeValue } from './describe.js';
import { ChatFormatError } from './errors.js';
import type { ChatMessage } from './types.js';

/** Options of `validateMessages`. */
export interface ValidateOptions {
  /** Where the conversation came from (file and line, dataset row); starts every error message. */
  source?: string;
  /** Require at least one assistant message, as training does. Default true. */
  requireAssistant?: boolean;
}

/**
 * Check that `messages` is a non-empty array of `{ role: string, content: string }` and, unless
 * `requireAssistant` is false, that some message is from the assistant. Returns the same array, typed.
 * @throws ChatFormatError naming the source and the index of the first bad message.
 */
export function validateMessages(messages: unknown, options: ValidateOptions = {}): ChatMessage[] {
  const where = options.source ? `${options.source}: ` : '';
  if (!Array.isArray(messages)) {
    throw new ChatFormatError(
      `${where}conversation: expected an array of messages, got ${describeValue(messages)}`,
    );
  }
  if (messages.length === 0) {
    throw new ChatFormatError(
      `${where}conversation: expected at least one message, got an empty conversation`,
    );
  }
  messages.forEach((message: unknown, i) => {
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      throw new ChatFormatError(
        `${where}messages[${i}]: expected an object with role and content, got ${describeValue(message)}`,
      );
    }
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== 'string' || role.length === 0) {
      throw new ChatFormatError(
        `${where}messages[${i}].role: expected a non-empty string, got ${describeValue(role)}`,
      );
    }
    if (typeof content !== 'string') {
      const hint = Array.isArray(content) ? ' (content parts are not supported; join the text parts)' : '';
      throw new ChatFormatError(
        `${where}messages[${i}].content (${role}): expected a string, got ${describeValue(content)}${hint}`,
      );
    }
  });
  const typed = messages as ChatMessage[];
  if (options.requireAssistant !== false && !typed.some((m) => m.role === 'assistant')) {
    const roles = typed.map((m) => m.role).join(', ');
    throw new ChatFormatError(
      `${where}conversation: expected an assistant message to train on, got none in messages[0..${typed.length - 1}] (roles: ${roles})`,
    );
  }
  return typed;
}

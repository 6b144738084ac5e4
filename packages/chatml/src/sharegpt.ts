// ShareGPT conversations ({ from, value } turns, as FastChat, LLaMA-Factory and MedicalGPT store them) to ChatMessage[].
import { describeValue } from './describe.js';
import { ChatFormatError } from './errors.js';
import type { ChatMessage } from './types.js';

/** One ShareGPT turn: the speaker (`human`, `gpt`, `system`, …) and the text. */
export interface ShareGptTurn {
  from: string;
  value: string;
}

/** ShareGPT speaker names and the roles they become (FastChat's names plus LLaMA-Factory's tool turns). */
export const SHAREGPT_ROLES: Readonly<Record<string, string>> = {
  system: 'system',
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  chatgpt: 'assistant',
  bard: 'assistant',
  bing: 'assistant',
  model: 'assistant',
  // LLaMA-Factory: the assistant's tool call (JSON text) and the tool's answer.
  function_call: 'assistant',
  observation: 'tool',
  tool: 'tool',
};

/** Options of `fromShareGpt`: a source for messages, and extra speaker → role mappings. */
export interface FromShareGptOptions {
  /** Where the conversation came from; starts every error message. */
  source?: string;
  /** Extra or overriding speaker → role mappings. */
  roles?: Readonly<Record<string, string>>;
}

/**
 * Convert ShareGPT turns to chat messages.
 * @throws ChatFormatError for a non-array, a turn without string `from`/`value`, or an unknown speaker (by index).
 */
export function fromShareGpt(
  turns: readonly ShareGptTurn[],
  options: FromShareGptOptions = {},
): ChatMessage[] {
  const where = options.source ? `${options.source}: ` : '';
  const roles = { ...SHAREGPT_ROLES, ...options.roles };
  if (!Array.isArray(turns)) {
    throw new ChatFormatError(
      `${where}conversations: expected an array of { from, value }, got ${describeValue(turns)}`,
    );
  }
  return turns.map((turn: unknown, i) => {
    const { from, value } = (typeof turn === 'object' && turn !== null ? turn : {}) as Record<
      string,
      unknown
    >;
    if (typeof from !== 'string') {
      throw new ChatFormatError(
        `${where}conversations[${i}].from: expected a string, got ${describeValue(from)}`,
      );
    }
    const role = Object.hasOwn(roles, from) ? roles[from] : undefined;
    if (role === undefined) {
      throw new ChatFormatError(
        `${where}conversations[${i}].from: expected one of ${Object.keys(roles).join(', ')}, got ${JSON.stringify(from)}`,
      );
    }
    if (typeof value !== 'string') {
      throw new ChatFormatError(
        `${where}conversations[${i}].value: expected a string, got ${describeValue(value)}`,
      );
    }
    return { role, content: value };
  });
}

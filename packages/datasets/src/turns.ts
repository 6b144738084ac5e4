// Conversation turns → chat messages: `{ role, content }`, ShareGPT `{ from, value }` (through @lora/chatml's
// fromShareGpt), or custom keys and speaker names (LLaMA-Factory tags).

import { type ChatMessage, fromShareGpt } from '@lora/chatml';
import { DatasetError, describeLocation, type Location, preview } from './errors.js';

/** How to read turns whose keys or speaker names are not the standard ones. */
export interface TurnTags {
  /** key holding the speaker (default: `role`, or `from` for ShareGPT turns); setting it reads turns as ShareGPT */
  role?: string;
  /** key holding the text (default: `content`, or `value` for ShareGPT turns) */
  content?: string;
  /** speaker → chat role, e.g. `{ bot: 'assistant' }`, on top of chatml's SHAREGPT_ROLES for ShareGPT turns */
  roles?: Record<string, string>;
}

function turnError(where: Location, at: string, expected: string, got: unknown): DatasetError {
  return new DatasetError(`${describeLocation(where)}: ${at}: expected ${expected}, got ${preview(got)}`, {
    where,
    key: at,
  });
}

/** Convert a list of turns, validating each one; `field` names the list in messages (`conversations[2]`). */
export function toMessageList(
  turns: unknown[],
  tags: TurnTags,
  where: Location,
  field: string,
): ChatMessage[] {
  const first = turns[0] as Record<string, unknown> | undefined;
  const shareGpt =
    tags.role !== undefined ||
    (typeof first === 'object' && first !== null && !('role' in first) && 'from' in first);
  const roleKey = tags.role ?? (shareGpt ? 'from' : 'role');
  const contentKey = tags.content ?? (shareGpt ? 'value' : 'content');
  const pairs = turns.map((turn, i) => {
    const at = `${field}[${i}]`;
    if (typeof turn !== 'object' || turn === null || Array.isArray(turn)) {
      throw turnError(where, at, 'a turn object', turn);
    }
    const t = turn as Record<string, unknown>;
    const speaker = t[roleKey];
    const content = t[contentKey];
    if (typeof speaker !== 'string' || speaker === '') {
      const shape = shareGpt
        ? `{${roleKey}, ${contentKey}} like the first turn`
        : '{role, content} or {from, value}';
      throw turnError(where, `${at}.${roleKey}`, `a speaker name (turns are ${shape})`, speaker);
    }
    if (typeof content !== 'string') throw turnError(where, `${at}.${contentKey}`, 'a string', content);
    return { from: speaker, value: content };
  });
  if (!shareGpt) return pairs.map((p) => ({ role: tags.roles?.[p.from] ?? p.from, content: p.value }));
  try {
    return fromShareGpt(pairs, { source: describeLocation(where), ...(tags.roles && { roles: tags.roles }) });
  } catch (cause) {
    throw new DatasetError((cause as Error).message, { cause, where });
  }
}

// Typed SFT examples from raw records: one validating constructor per format, and the messages view of each.

import type { ChatMessage } from '@lora/chatml';
import { DatasetError, describeLocation, type Location, preview } from './errors.js';
import { type CanonicalField, type DatasetFormat, type FieldMap, keyOf } from './formats.js';
import { type TurnTags, toMessageList } from './turns.js';

/**
 * One training example in its format (text, alpaca, prompt-completion, messages, preference, tokenized), with
 * its location.
 */
export type SftExample =
  | { format: 'text'; text: string; where?: Location }
  | {
      format: 'alpaca';
      instruction: string;
      input: string;
      output: string;
      system?: string;
      history?: [string, string][];
      where?: Location;
    }
  | { format: 'prompt-completion'; prompt: string; completion: string; system?: string; where?: Location }
  | { format: 'messages'; messages: ChatMessage[]; tools?: string; where?: Location }
  | {
      format: 'preference';
      messages: ChatMessage[];
      chosen: ChatMessage[];
      rejected: ChatMessage[];
      tools?: string;
      where?: Location;
    }
  | { format: 'tokenized'; inputIds: number[]; labels?: number[]; where?: Location };

interface Reader {
  record: Record<string, unknown>;
  fieldMap: FieldMap;
  where: Location;
  format: DatasetFormat;
  tags: TurnTags;
}

function fail(r: Reader, field: CanonicalField, expected: string, got: unknown): never {
  const key = keyOf(r.record, field, r.fieldMap) ?? r.fieldMap[field] ?? field;
  const column = key === field ? '' : ` (column ${JSON.stringify(key)})`;
  throw new DatasetError(
    `${describeLocation(r.where)}: field ${JSON.stringify(field)}${column}: expected ${expected}, got ${preview(got)}`,
    { where: r.where, key },
  );
}

function missing(r: Reader, field: CanonicalField): never {
  const key = r.fieldMap[field] ?? field;
  throw new DatasetError(
    `${describeLocation(r.where)}: missing field ${JSON.stringify(key)} for format ${r.format}: ` +
      `expected it in the record, got keys [${Object.keys(r.record).join(', ')}]`,
    { where: r.where, key },
  );
}

function raw(r: Reader, field: CanonicalField): unknown {
  const key = keyOf(r.record, field, r.fieldMap);
  const value = key === undefined ? undefined : r.record[key];
  return value === null ? undefined : value;
}

function str(r: Reader, field: CanonicalField): string {
  const value = raw(r, field);
  if (value === undefined) missing(r, field);
  if (typeof value !== 'string') fail(r, field, 'a string', value);
  return value;
}

function optStr(r: Reader, field: CanonicalField): string | undefined {
  const value = raw(r, field);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(r, field, 'a string', value);
  return value;
}

function tools(r: Reader): { tools?: string } {
  const value = raw(r, 'tools');
  if (value === undefined || value === '') return {};
  return { tools: typeof value === 'string' ? value : JSON.stringify(value) };
}

function messagesOf(r: Reader, field: CanonicalField, value: unknown, defaultRole: string): ChatMessage[] {
  if (typeof value === 'string') return [{ role: defaultRole, content: value }];
  const label = keyOf(r.record, field, r.fieldMap) ?? field;
  if (Array.isArray(value)) return toMessageList(value, r.tags, r.where, label);
  if (typeof value === 'object' && value !== null) return toMessageList([value], r.tags, r.where, label);
  return fail(r, field, 'a string, a message or a list of messages', value);
}

function withSystem(r: Reader, messages: ChatMessage[]): ChatMessage[] {
  const system = optStr(r, 'system');
  if (system === undefined || system === '' || messages[0]?.role === 'system') return messages;
  return [{ role: 'system', content: system }, ...messages];
}

function intArray(r: Reader, field: CanonicalField, allowIgnore: boolean): number[] {
  const value = raw(r, field);
  if (!Array.isArray(value)) return fail(r, field, 'an array of token ids', value);
  value.forEach((id, i) => {
    if (!Number.isInteger(id) || ((id as number) < 0 && !(allowIgnore && id === -100))) {
      fail(r, field, `integer token ids${allowIgnore ? ' or -100' : ''} (at position ${i})`, id);
    }
  });
  return value as number[];
}

function history(r: Reader): [string, string][] | undefined {
  const value = raw(r, 'history');
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return fail(r, 'history', 'an array of [prompt, response] pairs', value);
  return value.map((pair, i) => {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[0] !== 'string' ||
      typeof pair[1] !== 'string'
    ) {
      return fail(r, 'history', `[prompt, response] string pairs (at position ${i})`, pair);
    }
    return [pair[0], pair[1]] as [string, string];
  });
}

/** Validate one record against a format and build its typed example. Throws DatasetError naming the line and field. */
export function toExample(
  record: Record<string, unknown>,
  format: DatasetFormat,
  where: Location,
  fieldMap: FieldMap = {},
  tags: TurnTags = {},
): SftExample {
  const r: Reader = { record, fieldMap, where, format, tags };
  switch (format) {
    case 'text':
      return { format, text: str(r, 'text'), where };
    case 'alpaca': {
      const instruction = optStr(r, 'instruction') ?? '';
      const input = optStr(r, 'input') ?? '';
      if (raw(r, 'instruction') === undefined && raw(r, 'input') === undefined) missing(r, 'instruction');
      const system = optStr(r, 'system');
      const past = history(r);
      return {
        format,
        instruction,
        input,
        output: str(r, 'output'),
        ...(system === undefined || system === '' ? {} : { system }),
        ...(past === undefined || past.length === 0 ? {} : { history: past }),
        where,
      };
    }
    case 'prompt-completion': {
      const prompt = raw(r, 'prompt');
      const completion = raw(r, 'completion');
      if (prompt === undefined) missing(r, 'prompt');
      if (completion === undefined) missing(r, 'completion');
      if (typeof prompt === 'string' && typeof completion === 'string') {
        const system = optStr(r, 'system');
        return {
          format,
          prompt,
          completion,
          ...(system === undefined || system === '' ? {} : { system }),
          where,
        };
      }
      // TRL's conversational prompt-completion: lists of messages
      const messages = [
        ...messagesOf(r, 'prompt', prompt, 'user'),
        ...messagesOf(r, 'completion', completion, 'assistant'),
      ];
      return { format: 'messages', messages: withSystem(r, messages), ...tools(r), where };
    }
    case 'messages': {
      const turns = raw(r, 'messages');
      if (turns === undefined) missing(r, 'messages');
      if (!Array.isArray(turns) || turns.length === 0)
        return fail(r, 'messages', 'a non-empty array of turns', turns);
      return {
        format,
        messages: withSystem(r, messagesOf(r, 'messages', turns, 'user')),
        ...tools(r),
        where,
      };
    }
    case 'preference': {
      const context = raw(r, 'messages') ?? raw(r, 'prompt');
      if (context === undefined) missing(r, 'messages');
      const field: CanonicalField = raw(r, 'messages') === undefined ? 'prompt' : 'messages';
      const messages = withSystem(r, messagesOf(r, field, context, 'user'));
      const chosen = raw(r, 'chosen');
      const rejected = raw(r, 'rejected');
      if (chosen === undefined) missing(r, 'chosen');
      if (rejected === undefined) missing(r, 'rejected');
      return {
        format,
        messages,
        chosen: messagesOf(r, 'chosen', chosen, 'assistant'),
        rejected: messagesOf(r, 'rejected', rejected, 'assistant'),
        ...tools(r),
        where,
      };
    }
    case 'tokenized': {
      const inputIds = intArray(r, 'input_ids', false);
      if (raw(r, 'labels') === undefined) return { format, inputIds, where };
      const labels = intArray(r, 'labels', true);
      if (labels.length !== inputIds.length) {
        fail(r, 'labels', `${inputIds.length} labels (one per input id)`, labels);
      }
      return { format, inputIds, labels, where };
    }
  }
}

/**
 * The conversation an example stands for (LLaMA-Factory's conversion): Alpaca becomes system, history turns, then
 * user `instruction\ninput` and assistant `output`; a preference pair becomes its context plus the chosen reply.
 * Text and tokenized examples have no messages (undefined).
 */
export function toMessages(example: SftExample): ChatMessage[] | undefined {
  switch (example.format) {
    case 'text':
    case 'tokenized':
      return undefined;
    case 'alpaca': {
      const out: ChatMessage[] =
        example.system === undefined ? [] : [{ role: 'system', content: example.system }];
      for (const [prompt, response] of example.history ?? []) {
        out.push({ role: 'user', content: prompt }, { role: 'assistant', content: response });
      }
      const query = [example.instruction, example.input].filter((s) => s !== '').join('\n');
      out.push({ role: 'user', content: query }, { role: 'assistant', content: example.output });
      return out;
    }
    case 'prompt-completion': {
      const out: ChatMessage[] =
        example.system === undefined ? [] : [{ role: 'system', content: example.system }];
      out.push({ role: 'user', content: example.prompt }, { role: 'assistant', content: example.completion });
      return out;
    }
    case 'messages':
      return example.messages;
    case 'preference':
      return [...example.messages, ...example.chosen];
  }
}

/** True when the example has nothing to learn from: empty text, output, completion, or no non-empty assistant turn. */
export function hasEmptyTarget(example: SftExample): boolean {
  switch (example.format) {
    case 'text':
      return example.text.trim() === '';
    case 'alpaca':
      return example.output.trim() === '';
    case 'prompt-completion':
      return example.completion.trim() === '';
    case 'tokenized':
      return example.inputIds.length === 0;
    case 'messages':
    case 'preference': {
      const messages = toMessages(example) ?? [];
      const replies = messages.filter((m) => m.role === 'assistant');
      return replies.length === 0 || replies.some((m) => m.content.trim() === '');
    }
  }
}

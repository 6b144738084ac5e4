import { describe, expect, test } from 'vitest';
import { ChatFormatError } from './errors.js';
import { validateMessages } from './validate.js';

const ok = [
  { role: 'user', content: 'hi' },
  { role: 'assistant', content: 'hello' },
];

describe('validateMessages', () => {
  test('returns the same array for a valid conversation', () => {
    expect(validateMessages(ok)).toBe(ok);
  });

  test('accepts a prompt without an assistant turn when requireAssistant is false', () => {
    const prompt = [{ role: 'user', content: 'hi' }];
    expect(validateMessages(prompt, { requireAssistant: false })).toBe(prompt);
  });

  test.each([
    [
      'not an array',
      { role: 'user' },
      'data.jsonl:3: conversation: expected an array of messages, got object',
    ],
    ['empty', [], 'data.jsonl:3: conversation: expected at least one message, got an empty conversation'],
    [
      'a string message',
      ['hi'],
      'data.jsonl:3: messages[0]: expected an object with role and content, got string "hi"',
    ],
    [
      'missing role',
      [{ role: 'user', content: 'a' }, { content: 'b' }],
      'data.jsonl:3: messages[1].role: expected a non-empty string, got undefined',
    ],
    [
      'empty role',
      [{ role: '', content: 'a' }],
      'data.jsonl:3: messages[0].role: expected a non-empty string, got string ""',
    ],
    [
      'missing content',
      [{ role: 'user', content: 'a' }, { role: 'assistant' }],
      'data.jsonl:3: messages[1].content (assistant): expected a string, got undefined',
    ],
    [
      'number content',
      [{ role: 'user', content: 42 }],
      'data.jsonl:3: messages[0].content (user): expected a string, got number 42',
    ],
    [
      'content parts',
      [{ role: 'user', content: [{ type: 'text', text: 'a' }] }],
      'data.jsonl:3: messages[0].content (user): expected a string, got array(1) (content parts are not supported; join the text parts)',
    ],
    [
      'no assistant turn',
      [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
      ],
      'data.jsonl:3: conversation: expected an assistant message to train on, got none in messages[0..1] (roles: system, user)',
    ],
  ])('%s', (_, messages, message) => {
    expect(() => validateMessages(messages, { source: 'data.jsonl:3' })).toThrow(
      new ChatFormatError(message),
    );
  });

  test('errors are ChatFormatError and start without a source prefix when none is given', () => {
    expect(() => validateMessages([])).toThrowError(ChatFormatError);
    expect(() => validateMessages([])).toThrow(/^conversation: expected at least one message/);
  });
});

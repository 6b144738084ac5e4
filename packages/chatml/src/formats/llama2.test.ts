import { describe, expect, test } from 'vitest';
import { ChatFormatError } from '../errors.js';
import { llama2Format } from './llama2.js';

describe('llama2', () => {
  test('folds the system prompt into the first [INST] and trains " answer </s>"', () => {
    const rendered = llama2Format.render([
      { role: 'system', content: 'S' },
      { role: 'user', content: ' U1 ' },
      { role: 'assistant', content: 'A1\n' },
      { role: 'user', content: 'U2' },
      { role: 'assistant', content: 'A2' },
    ]);
    expect(rendered.segments).toEqual([
      { text: '<s>[INST] <<SYS>>\nS\n<</SYS>>\n\n U1 [/INST]', train: false },
      { text: ' A1 </s>', train: true },
      { text: '<s>[INST] U2 [/INST]', train: false },
      { text: ' A2 </s>', train: true },
    ]);
  });

  test('a prompt ends with [/INST]; addGenerationPrompt adds nothing', () => {
    const messages = [{ role: 'user', content: 'U' }];
    const expected = {
      text: '<s>[INST] U [/INST]',
      segments: [{ text: '<s>[INST] U [/INST]', train: false }],
    };
    expect(llama2Format.render(messages)).toEqual(expected);
    expect(llama2Format.render(messages, { addGenerationPrompt: true })).toEqual(expected);
  });

  test('uses the given BOS and EOS tokens', () => {
    const rendered = llama2Format.render(
      [
        { role: 'user', content: 'U' },
        { role: 'assistant', content: 'A' },
      ],
      { bosToken: '<B>', eosToken: '<E>' },
    );
    expect(rendered.text).toBe('<B>[INST] U [/INST] A <E>');
  });

  test.each([
    [
      [
        { role: 'user', content: 'U' },
        { role: 'user', content: 'U' },
      ],
      "llama2: messages[1].role: expected 'assistant', got 'user' (roles must alternate user/assistant/... after an optional first system message)",
    ],
    [
      [
        { role: 'system', content: 'S' },
        { role: 'assistant', content: 'A' },
      ],
      "llama2: messages[1].role: expected 'user', got 'assistant' (roles must alternate user/assistant/... after an optional first system message)",
    ],
    [
      [{ role: 'system', content: 'S' }],
      'llama2: messages: expected a user message after the system message, got none',
    ],
  ])('rejects %j', (messages, message) => {
    expect(() => llama2Format.render(messages)).toThrow(new ChatFormatError(message));
  });
});

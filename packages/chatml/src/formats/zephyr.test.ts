import { describe, expect, test } from 'vitest';
import { ChatFormatError } from '../errors.js';
import { zephyrFormat } from './zephyr.js';

describe('zephyr', () => {
  test('renders <|role|>\\ncontent</s>\\n and trains assistant content + </s>\\n', () => {
    const rendered = zephyrFormat.render([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'U' },
      { role: 'assistant', content: 'A' },
    ]);
    expect(rendered.segments).toEqual([
      { text: '<|system|>\nS</s>\n<|user|>\nU</s>\n<|assistant|>\n', train: false },
      { text: 'A</s>\n', train: true },
    ]);
  });

  test.each([
    [{}, '<|user|>\nU</s>\n<|assistant|>\n'],
    [{ eosToken: '<|endoftext|>' }, '<|user|>\nU<|endoftext|>\n<|assistant|>\n'],
  ])('generation prompt with %j', (options, text) => {
    const rendered = zephyrFormat.render([{ role: 'user', content: 'U' }], {
      addGenerationPrompt: true,
      ...options,
    });
    expect(rendered).toEqual({ text, segments: [{ text, train: false }] });
  });

  test('refuses roles the template would silently drop', () => {
    expect(() =>
      zephyrFormat.render([
        { role: 'user', content: 'U' },
        { role: 'tool', content: 'T' },
      ]),
    ).toThrow(
      new ChatFormatError("zephyr: messages[1].role: expected 'system', 'user' or 'assistant', got 'tool'"),
    );
  });
});

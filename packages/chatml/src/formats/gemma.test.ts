import { describe, expect, test } from 'vitest';
import { ChatFormatError } from '../errors.js';
import { gemmaFormat } from './gemma.js';

describe('gemma', () => {
  test('folds the system message into the first user turn and trains model content + <end_of_turn>\\n', () => {
    const rendered = gemmaFormat.render(
      [
        { role: 'system', content: 'S ' },
        { role: 'user', content: ' U ' },
        { role: 'assistant', content: 'A\n' },
      ],
      { addGenerationPrompt: true },
    );
    expect(rendered.segments).toEqual([
      { text: '<bos><start_of_turn>user\nS \n\nU<end_of_turn>\n<start_of_turn>model\n', train: false },
      { text: 'A<end_of_turn>\n', train: true },
      { text: '<start_of_turn>model\n', train: false },
    ]);
  });

  test('enforces the template role alternation', () => {
    expect(() =>
      gemmaFormat.render([
        { role: 'user', content: 'U' },
        { role: 'assistant', content: 'A' },
        { role: 'system', content: 'S' },
      ]),
    ).toThrow(
      new ChatFormatError(
        "gemma: messages[2].role: expected 'user', got 'system' (roles must alternate user/assistant/... after an optional first system message)",
      ),
    );
  });
});

import { describe, expect, test } from 'vitest';
import { ChatFormatError } from '../errors.js';
import { plainFormat, renderPlain } from './plain.js';

describe('plain', () => {
  test('the whole text trains with EOS appended; BOS stays untrained', () => {
    expect(renderPlain('Once upon a time', { bosToken: '<s>', eosToken: '</s>' }).segments).toEqual([
      { text: '<s>', train: false },
      { text: 'Once upon a time</s>', train: true },
    ]);
  });

  test('messages form joins contents with a newline, whatever the roles', () => {
    const rendered = plainFormat.render(
      [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
      ],
      { eosToken: '<|endoftext|>' },
    );
    expect(rendered).toEqual({
      text: 'a\nb<|endoftext|>',
      segments: [{ text: 'a\nb<|endoftext|>', train: true }],
    });
  });

  test('requires an EOS token', () => {
    expect(() => renderPlain('x')).toThrow(ChatFormatError);
    expect(() => renderPlain('x')).toThrow(/^plain: options\.eosToken: expected the model's EOS token/);
  });
});

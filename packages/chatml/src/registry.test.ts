import { describe, expect, test } from 'vitest';
import { ChatFormatError } from './errors.js';
import { getChatFormat, renderChat } from './registry.js';
import { BUILTIN_FORMAT_NAMES, type BuiltinFormatName } from './types.js';

describe('getChatFormat / renderChat', () => {
  test.each(BUILTIN_FORMAT_NAMES)('%s is registered under its own name', (name) => {
    expect(getChatFormat(name).name).toBe(name);
  });

  test('an unknown name lists the builtin ones', () => {
    expect(() => getChatFormat('vicuna' as BuiltinFormatName)).toThrow(
      new ChatFormatError(
        'chat format: expected one of chatml, zephyr, llama2, llama3, gemma, alpaca, plain, got "vicuna"',
      ),
    );
    expect(() => getChatFormat('toString' as BuiltinFormatName)).toThrow(ChatFormatError);
  });

  test('renderChat takes a name or a format object and gives the same result', () => {
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
    ];
    expect(renderChat(messages, 'llama3', { addGenerationPrompt: true })).toEqual(
      getChatFormat('llama3').render(messages, { addGenerationPrompt: true }),
    );
    const custom = { name: 'echo', render: () => ({ text: 'x', segments: [{ text: 'x', train: true }] }) };
    expect(renderChat(messages, custom)).toEqual({ text: 'x', segments: [{ text: 'x', train: true }] });
  });
});

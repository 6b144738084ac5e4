import { describe, expect, test } from 'vitest';
import { ChatFormatError } from '../errors.js';
import { chatmlFormat } from './chatml.js';

const conversation = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'tool', content: '{"ok":true}' },
];

describe('chatml', () => {
  test('renders Qwen-style turns and trains content + <|im_end|>\\n of assistant turns only', () => {
    expect(chatmlFormat.render(conversation).segments).toEqual([
      {
        text: '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
        train: false,
      },
      { text: 'Hello!<|im_end|>\n', train: true },
      { text: '<|im_start|>tool\n{"ok":true}<|im_end|>\n', train: false },
    ]);
  });

  test('the generation prompt is an untrained assistant header; no default system prompt is added', () => {
    const rendered = chatmlFormat.render([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
    expect(rendered).toEqual({
      text: '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
      segments: [{ text: '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n', train: false }],
    });
  });

  test('content is kept verbatim (no trimming), empty content still trains the end of turn', () => {
    const rendered = chatmlFormat.render([
      { role: 'user', content: '  x\n' },
      { role: 'assistant', content: '' },
    ]);
    expect(rendered.text).toBe('<|im_start|>user\n  x\n<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n');
    expect(rendered.segments.filter((s) => s.train)).toEqual([{ text: '<|im_end|>\n', train: true }]);
  });

  test('rejects malformed messages at the boundary', () => {
    expect(() => chatmlFormat.render([{ role: 'user', content: null as unknown as string }])).toThrow(
      new ChatFormatError('chatml: messages[0].content (user): expected a string, got null'),
    );
  });
});

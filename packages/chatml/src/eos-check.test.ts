import { describe, expect, test } from 'vitest';
import { checkEndOfTurnSupervision } from './eos-check.js';
import { ChatFormatError } from './errors.js';
import { getChatFormat } from './registry.js';
import type { RenderedChat } from './types.js';

const conversation = [
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello' },
  { role: 'user', content: 'Bye' },
  { role: 'assistant', content: 'Bye' },
];

describe('checkEndOfTurnSupervision', () => {
  test.each([
    ['chatml', '<|im_end|>', '<|endoftext|>'],
    ['zephyr', '</s>', '<unk>'],
    ['llama2', '</s>', '<unk>'],
    ['llama3', '<|eot_id|>', '<|finetune_right_pad_id|>'],
    ['gemma', '<end_of_turn>', '<pad>'],
  ] as const)('%s trains its end-of-turn token %s on every assistant turn', (format, eosToken, padToken) => {
    const rendered = getChatFormat(format).render(conversation);
    expect(checkEndOfTurnSupervision({ rendered, eosToken, padToken })).toEqual([]);
  });

  test('accepts several end-of-turn tokens (Gemma stops on <eos> or <end_of_turn>)', () => {
    const rendered = getChatFormat('gemma').render(conversation);
    expect(checkEndOfTurnSupervision({ rendered, eosToken: ['<eos>', '<end_of_turn>'] })).toEqual([]);
  });

  test('warns for each trained turn that does not end with the token', () => {
    // Qwen1.5-Chat's template puts <|im_end|> after the final message only when add_generation_prompt is set.
    const rendered: RenderedChat = {
      text: 'u: Hi\na: Hello<|im_end|>\nu: Bye\na: Bye',
      segments: [
        { text: 'u: Hi\na: ', train: false },
        { text: 'Hello<|im_end|>\n', train: true },
        { text: 'u: Bye\na: ', train: false },
        { text: 'Bye', train: true },
      ],
    };
    expect(checkEndOfTurnSupervision({ rendered, eosToken: '<|im_end|>' })).toEqual([
      {
        code: 'end-of-turn-not-trained',
        turn: 1,
        message:
          'trained turn 1 ends with "Bye", not with "<|im_end|>": the model is never taught to stop there; use a ' +
          'format or template that puts the end-of-turn token inside the assistant turn',
      },
    ]);
  });

  test('warns when the pad token is the EOS token (TinyLlama ships pad_token = eos_token = </s>)', () => {
    const rendered = getChatFormat('zephyr').render(conversation);
    const warnings = checkEndOfTurnSupervision({ rendered, eosToken: '</s>', padToken: '</s>' });
    expect(warnings.map((w) => w.code)).toEqual(['pad-equals-eos']);
    expect(warnings[0]!.message).toMatch(
      /^pad token "<\/s>" equals the end-of-turn token: .* never learns to stop/,
    );
  });

  test('warns when nothing is trained', () => {
    const rendered = getChatFormat('chatml').render([{ role: 'user', content: 'Hi' }]);
    expect(checkEndOfTurnSupervision({ rendered, eosToken: '<|im_end|>' }).map((w) => w.code)).toEqual([
      'nothing-trained',
    ]);
  });

  test('an empty eosToken is an error, not a silent pass', () => {
    const rendered = getChatFormat('chatml').render(conversation);
    expect(() => checkEndOfTurnSupervision({ rendered, eosToken: '' })).toThrow(
      new ChatFormatError('checkEndOfTurnSupervision: eosToken: expected a non-empty token string, got none'),
    );
  });
});

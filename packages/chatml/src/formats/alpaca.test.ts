import { describe, expect, test } from 'vitest';
import { ChatFormatError } from '../errors.js';
import { alpacaFormat, alpacaPrompt, renderAlpaca } from './alpaca.js';

// The two prompts of tatsu-lab/stanford_alpaca train.py (PROMPT_DICT, commit c8ea92b), written out.
const WITH_INPUT =
  'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\nTranslate.\n\n### Input:\nchat\n\n### Response:';
const NO_INPUT =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nName a color.\n\n### Response:';

describe('alpaca', () => {
  test.each([
    [{ instruction: 'Translate.', input: 'chat' }, WITH_INPUT],
    [{ instruction: 'Name a color.', input: '' }, NO_INPUT],
    [{ instruction: 'Name a color.' }, NO_INPUT],
  ])('alpacaPrompt(%j)', (example, expected) => {
    expect(alpacaPrompt(example)).toBe(expected);
  });

  test('renderAlpaca trains output + EOS only, and prepends an optional BOS untrained', () => {
    const rendered = renderAlpaca(
      { instruction: 'Translate.', input: 'chat', output: 'cat' },
      { bosToken: '<s>', eosToken: '</s>' },
    );
    expect(rendered.segments).toEqual([
      { text: `<s>${WITH_INPUT}`, train: false },
      { text: 'cat</s>', train: true },
    ]);
  });

  test('without output it renders the inference prompt and needs no EOS', () => {
    expect(renderAlpaca({ instruction: 'Name a color.' })).toEqual({
      text: NO_INPUT,
      segments: [{ text: NO_INPUT, train: false }],
    });
  });

  test('messages form: user content is the instruction, assistant content the output', () => {
    const rendered = alpacaFormat.render(
      [
        { role: 'user', content: 'Name a color.' },
        { role: 'assistant', content: 'Blue.' },
      ],
      { eosToken: '<|endoftext|>' },
    );
    expect(rendered.text).toBe(`${NO_INPUT}Blue.<|endoftext|>`);
    expect(rendered.segments.at(-1)).toEqual({ text: 'Blue.<|endoftext|>', train: true });
  });

  test.each([
    [
      () => renderAlpaca({ instruction: 'x', output: 'y' }),
      "alpaca: options.eosToken: expected the model's EOS token (e.g. '</s>' for Llama-2, '<|endoftext|>' for GPT-2), got none; without it the model never learns to stop",
    ],
    [
      () => renderAlpaca({ instruction: 3 as unknown as string, output: 'y' }, { eosToken: '</s>' }),
      'alpaca: instruction: expected a string, got number 3',
    ],
    [
      () =>
        alpacaFormat.render(
          [
            { role: 'system', content: 's' },
            { role: 'user', content: 'u' },
          ],
          { eosToken: '</s>' },
        ),
      'alpaca: messages: expected [user] or [user, assistant] (one instruction, one response), got [system, user]',
    ],
  ])('rejects bad input %#', (run, message) => {
    expect(run).toThrow(new ChatFormatError(message));
  });
});

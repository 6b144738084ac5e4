import { fileURLToPath } from 'node:url';
import { STORIES260K_DIR } from '@lora/stories260k';
import { Tokenizer } from '@lora/tokenize';
import { describe, expect, test } from 'vitest';
import { resolveChatFormat } from './chat-setup.js';
import { answerCases, labelSpans, tokenizeExamples } from './training-data.js';

const tokenizer = (await Tokenizer.fromDir(fileURLToPath(STORIES260K_DIR))).withPadToken('</s>');
const format = resolveChatFormat('llama2', tokenizer);

describe('answerCases', () => {
  test('the conversation before the last assistant turn, and that turn as the answer; text has none', () => {
    const cases = answerCases([
      {
        format: 'messages',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
          { role: 'user', content: 'c' },
          { role: 'assistant', content: 'd' },
        ],
      },
      { format: 'alpaca', instruction: 'Name it', input: 'a cat', output: 'cat' },
      { format: 'text', text: 'Once upon a time' },
    ]);
    expect(cases).toEqual([
      {
        prompt: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
          { role: 'user', content: 'c' },
        ],
        expected: 'd',
      },
      { prompt: [{ role: 'user', content: 'Name it\na cat' }], expected: 'cat' },
    ]);
  });
});

describe('labelSpans', () => {
  test('the Llama-2 rendering split where the loss starts: the answer and </s> are trained', () => {
    const { examples } = tokenizeExamples(
      [
        {
          format: 'messages',
          messages: [
            { role: 'user', content: 'Who is it?' },
            { role: 'assistant', content: 'Lily' },
          ],
        },
      ],
      tokenizer,
      format,
      96,
    );
    const spans = labelSpans(examples[0]!, tokenizer);
    expect(spans.map((s) => s.train)).toEqual([false, true]);
    expect(spans.map((s) => s.text).join('')).toBe(tokenizer.decode(examples[0]!.inputIds));
    expect(spans[1]!.text).toBe(' Lily </s>');
  });

  test('a cut at maxLength leaves no trained span', () => {
    const { examples, stats } = tokenizeExamples(
      [
        {
          format: 'messages',
          messages: [
            { role: 'user', content: 'Once upon a time there was a girl' },
            { role: 'assistant', content: 'Lily' },
          ],
        },
      ],
      tokenizer,
      format,
      4,
    );
    expect(stats.truncated + stats.skipped.length).toBeGreaterThan(0);
    for (const e of examples) expect(labelSpans(e, tokenizer).every((s) => !s.train)).toBe(true);
  });
});

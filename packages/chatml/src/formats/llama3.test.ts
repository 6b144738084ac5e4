import { describe, expect, test } from 'vitest';
import { llama3Format } from './llama3.js';

describe('llama3', () => {
  test('writes <|begin_of_text|> once, strips contents, trains assistant content + <|eot_id|>', () => {
    const rendered = llama3Format.render(
      [
        { role: 'system', content: 'S ' },
        { role: 'user', content: '\nU' },
        { role: 'assistant', content: ' A ' },
        { role: 'ipython', content: '42' },
      ],
      { addGenerationPrompt: true },
    );
    expect(rendered.segments).toEqual([
      {
        text:
          '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>' +
          '<|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
        train: false,
      },
      { text: 'A<|eot_id|>', train: true },
      {
        text: '<|start_header_id|>ipython<|end_header_id|>\n\n42<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
        train: false,
      },
    ]);
  });

  test('bosToken overrides <|begin_of_text|>', () => {
    expect(llama3Format.render([{ role: 'user', content: 'U' }], { bosToken: '' }).text).toBe(
      '<|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|>',
    );
  });
});

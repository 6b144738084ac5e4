import { readFileSync } from 'node:fs';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { ChatTemplateError } from './errors.js';
import { chatFormatFromTokenizerConfig } from './tokenizer-config.js';

const messages = [
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello' },
];

describe('chatFormatFromTokenizerConfig', () => {
  test('reads special tokens written as strings or as serialized AddedToken objects', () => {
    const format = chatFormatFromTokenizerConfig({
      chat_template: '{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}',
      bos_token: { __type: 'AddedToken', content: '<s>', lstrip: false },
      eos_token: '</s>',
      pad_token: null,
    });
    expect(format.render(messages).segments).toEqual([
      { text: '<s>Hi</s>', train: false },
      { text: 'Hello</s>', train: true },
    ]);
  });

  test('picks a named template from a list of templates', () => {
    const config = {
      chat_template: [
        { name: 'default', template: 'D{% for m in messages %}{{ m.content }}{% endfor %}' },
        { name: 'tool_use', template: 'T' },
      ],
    };
    expect(chatFormatFromTokenizerConfig(config).render(messages).text).toBe('DHiHello');
    expect(() => chatFormatFromTokenizerConfig(config, { templateName: 'rag' })).toThrow(
      new ChatTemplateError(
        'tokenizer_config.json: chat_template: expected a template named "rag", got [default, tool_use]',
      ),
    );
  });

  test.each([
    [
      {},
      'cfg.json: chat_template: expected a jinja template string, got undefined (this tokenizer has no chat template: pick a builtin format)',
    ],
    [[], 'cfg.json: expected a JSON object, got array(0)'],
    [null, 'cfg.json: expected a JSON object, got null'],
  ])('refuses %j', (config, message) => {
    expect(() => chatFormatFromTokenizerConfig(config, { source: 'cfg.json' })).toThrow(
      new ChatTemplateError(message),
    );
  });
});

describeWithFixtures('chatFormatFromTokenizerConfig on the real tokenizer configs', () => {
  const load = (...parts: string[]) => JSON.parse(readFileSync(sharedFixture(...parts), 'utf8'));

  test('Qwen2.5-Instruct: default system prompt, <|im_end|>\\n trained', () => {
    const rendered = chatFormatFromTokenizerConfig(load('qwen2.5-instruct', 'tokenizer_config.json')).render(
      messages,
    );
    expect(rendered.segments).toEqual([
      {
        text:
          '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' +
          '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
        train: false,
      },
      { text: 'Hello<|im_end|>\n', train: true },
    ]);
  });

  test('TinyLlama-1.1B-Chat: eos_token from the config ends the trained turn', () => {
    const rendered = chatFormatFromTokenizerConfig(
      load('tinyllama-1.1b-chat-v1.0', 'tokenizer_config.json'),
    ).render(messages, { addGenerationPrompt: true });
    expect(rendered.segments).toEqual([
      { text: '<|user|>\nHi</s>\n<|assistant|>\n', train: false },
      { text: 'Hello</s>\n', train: true },
      { text: '<|assistant|>\n', train: false },
    ]);
  });

  test('Gemma: bos_token from the config, system role refused by the template itself', () => {
    const format = chatFormatFromTokenizerConfig(load('gemma', 'tokenizer_config.json'), { name: 'gemma' });
    expect(format.render(messages).text).toBe(
      '<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n',
    );
    expect(() => format.render([{ role: 'system', content: 's' }, ...messages])).toThrow(
      new ChatTemplateError('gemma: chat template raised: System role not supported'),
    );
  });

  test('Gemma-3 chat_template.json (no special tokens in it): bosToken given per render', () => {
    const format = chatFormatFromTokenizerConfig(load('gemma', 'gemma-3-chat_template.json'));
    expect(format.render([{ role: 'system', content: 'S' }, ...messages], { bosToken: '<bos>' }).text).toBe(
      '<bos><start_of_turn>user\nS\n\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n',
    );
  });
});

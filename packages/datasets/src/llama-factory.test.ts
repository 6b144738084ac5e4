import { describe, expect, test } from 'vitest';
import { toExample, toMessages } from './examples.js';
import { datasetInfoSource } from './llama-factory.js';

// entries shaped like LLaMA-Factory's data/dataset_info.json
describe('datasetInfoSource', () => {
  test.each([
    [
      'alpaca default columns',
      { file_name: 'alpaca_en_demo.json' },
      {
        path: 'data/alpaca_en_demo.json',
        format: 'alpaca',
        fieldMap: { instruction: 'instruction', input: 'input', output: 'output' },
      },
    ],
    [
      'alpaca with prompt/response/system columns (openorca)',
      { file_name: 'o.json', columns: { prompt: 'question', response: 'response', system: 'system_prompt' } },
      {
        format: 'alpaca',
        fieldMap: { instruction: 'question', input: 'input', output: 'response', system: 'system_prompt' },
      },
    ],
    [
      'a prompt column alone is text (c4_demo)',
      { file_name: 'c4_demo.jsonl', columns: { prompt: 'text' } },
      { format: 'text', fieldMap: { text: 'text' } },
    ],
    [
      'alpaca ranking',
      {
        file_name: 'u.json',
        ranking: true,
        columns: { prompt: 'instruction', chosen: 'chosen', rejected: 'rejected' },
      },
      { format: 'preference', fieldMap: { prompt: 'instruction', chosen: 'chosen', rejected: 'rejected' } },
    ],
    [
      'sharegpt with tools',
      { file_name: 'g.json', formatting: 'sharegpt', columns: { messages: 'conversations', tools: 'tools' } },
      {
        format: 'messages',
        fieldMap: { messages: 'conversations', tools: 'tools' },
        tags: {
          role: 'from',
          content: 'value',
          roles: {
            human: 'user',
            gpt: 'assistant',
            observation: 'tool',
            function_call: 'assistant',
            system: 'system',
          },
        },
      },
    ],
    [
      'sharegpt ranking (dpo demo)',
      {
        file_name: 'dpo.json',
        ranking: true,
        formatting: 'sharegpt',
        columns: { messages: 'conversations', chosen: 'chosen', rejected: 'rejected' },
      },
      {
        format: 'preference',
        fieldMap: { messages: 'conversations', chosen: 'chosen', rejected: 'rejected' },
      },
    ],
  ])('%s', (_, entry, expected) => {
    expect(datasetInfoSource('x', entry, 'data')).toMatchObject({ name: 'x', ...expected });
  });

  test('sharegpt tags for OpenAI-style role/content turns read those turns', () => {
    const source = datasetInfoSource(
      'mllm',
      {
        file_name: 'm.json',
        formatting: 'sharegpt',
        columns: { messages: 'messages' },
        tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant' },
      },
      '/abs/',
    );
    expect(source.path).toBe('/abs/m.json');
    const example = toExample(
      {
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a' },
        ],
      },
      source.format!,
      { file: 'm.json', index: 0 },
      source.fieldMap,
      source.tags,
    );
    expect(toMessages(example)).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a' },
    ]);
  });

  test.each([
    [
      { hf_hub_url: 'llamafactory/alpaca_en' },
      /info\.json key "x": expected a local file_name, got only the remote "llamafactory\/alpaca_en" \(nothing is downloaded\)/,
    ],
    [{}, /key "x": expected a local file_name, got none/],
    [
      { file_name: 'a.json', formatting: 'parquet' },
      /key "x": formatting: expected 'alpaca', 'sharegpt' or 'openai', got "parquet"/,
    ],
    ['a.json', /key "x": expected an object, got "a\.json"/],
  ])('rejects %j', (entry, message) => {
    expect(() => datasetInfoSource('x', entry, 'data', 'info.json')).toThrow(message);
  });
});

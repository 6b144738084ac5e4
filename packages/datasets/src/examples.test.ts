import { describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import { hasEmptyTarget, type SftExample, toExample, toMessages } from './examples.js';
import type { DatasetFormat, FieldMap } from './formats.js';

const where = { file: 'd.jsonl', line: 7 };
const strip = ({ where: _, ...rest }: SftExample) => rest;

describe('toExample: each format', () => {
  test.each<[string, Record<string, unknown>, DatasetFormat, object, FieldMap?]>([
    ['text', { text: 'hi' }, 'text', { format: 'text', text: 'hi' }],
    [
      'alpaca with system and history',
      { instruction: 'i', input: 'x', output: 'o', system: 's', history: [['q0', 'a0']] },
      'alpaca',
      { format: 'alpaca', instruction: 'i', input: 'x', output: 'o', system: 's', history: [['q0', 'a0']] },
    ],
    [
      'alpaca, input absent',
      { instruction: 'i', output: 'o' },
      'alpaca',
      { format: 'alpaca', instruction: 'i', input: '', output: 'o' },
    ],
    [
      'alpaca, null input',
      { instruction: 'i', input: null, output: 'o' },
      'alpaca',
      { format: 'alpaca', instruction: 'i', input: '', output: 'o' },
    ],
    [
      'alpaca through a field map',
      { question: 'q', answer: 'a' },
      'alpaca',
      { format: 'alpaca', instruction: 'q', input: '', output: 'a' },
      { instruction: 'question', output: 'answer' },
    ],
    [
      'prompt-completion',
      { prompt: 'p', completion: 'c' },
      'prompt-completion',
      { format: 'prompt-completion', prompt: 'p', completion: 'c' },
    ],
    [
      'TRL conversational prompt-completion becomes messages',
      { prompt: [{ role: 'user', content: 'p' }], completion: [{ role: 'assistant', content: 'c' }] },
      'prompt-completion',
      {
        format: 'messages',
        messages: [
          { role: 'user', content: 'p' },
          { role: 'assistant', content: 'c' },
        ],
      },
    ],
    [
      'messages',
      {
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a' },
        ],
      },
      'messages',
      {
        format: 'messages',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a' },
        ],
      },
    ],
    [
      'ShareGPT conversations with a system column and tools',
      {
        conversations: [
          { from: 'human', value: 'q' },
          { from: 'gpt', value: 'a' },
        ],
        system: 's',
        tools: [{ name: 'f' }],
      },
      'messages',
      {
        format: 'messages',
        messages: [
          { role: 'system', content: 's' },
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a' },
        ],
        tools: '[{"name":"f"}]',
      },
    ],
    [
      'preference (LLaMA-Factory sharegpt ranking)',
      {
        conversations: [{ from: 'human', value: 'q' }],
        chosen: { from: 'gpt', value: 'good' },
        rejected: { from: 'gpt', value: 'bad' },
      },
      'preference',
      {
        format: 'preference',
        messages: [{ role: 'user', content: 'q' }],
        chosen: [{ role: 'assistant', content: 'good' }],
        rejected: [{ role: 'assistant', content: 'bad' }],
      },
    ],
    [
      'preference with string prompt and replies (TRL standard)',
      { prompt: 'q', chosen: 'good', rejected: 'bad' },
      'preference',
      {
        format: 'preference',
        messages: [{ role: 'user', content: 'q' }],
        chosen: [{ role: 'assistant', content: 'good' }],
        rejected: [{ role: 'assistant', content: 'bad' }],
      },
    ],
    [
      'tokenized with labels',
      { input_ids: [1, 5, 6], labels: [-100, 5, 6] },
      'tokenized',
      { format: 'tokenized', inputIds: [1, 5, 6], labels: [-100, 5, 6] },
    ],
    [
      'tokenized without labels',
      { input_ids: [1, 5] },
      'tokenized',
      { format: 'tokenized', inputIds: [1, 5] },
    ],
  ])('%s', (_, record, format, expected, fieldMap) => {
    const example = toExample(record, format, where, fieldMap);
    expect(strip(example)).toEqual(expected);
    expect(example.where).toEqual(where);
  });

  test('ShareGPT tool turns: function_call is the assistant, observation the tool (chatml SHAREGPT_ROLES)', () => {
    const example = toExample(
      {
        conversations: [
          { from: 'human', value: 'q' },
          { from: 'function_call', value: '{}' },
          { from: 'observation', value: 'r' },
          { from: 'gpt', value: 'a' },
        ],
      },
      'messages',
      where,
    );
    expect(toMessages(example)!.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  test('custom turn tags and speaker names', () => {
    const example = toExample(
      {
        dialog: [
          { who: 'me', says: 'q' },
          { who: 'bot', says: 'a' },
        ],
      },
      'messages',
      where,
      { messages: 'dialog' },
      { role: 'who', content: 'says', roles: { me: 'user', bot: 'assistant' } },
    );
    expect(toMessages(example)).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'a' },
    ]);
  });
});

describe('toExample: a record that does not fit is an error naming the line and field', () => {
  test.each<[Record<string, unknown>, DatasetFormat, RegExp, FieldMap?]>([
    [
      { instruction: 'i' },
      'alpaca',
      /^d\.jsonl line 7: missing field "output" for format alpaca: expected it in the record, got keys \[instruction\]$/,
    ],
    [{ output: 'o' }, 'alpaca', /missing field "instruction" for format alpaca/],
    [
      { instruction: 'i', output: 3 },
      'alpaca',
      /^d\.jsonl line 7: field "output": expected a string, got number 3$/,
    ],
    [
      { q: 'i', a: ['x'] },
      'alpaca',
      /field "output" \(column "a"\): expected a string, got an array of 1/,
      { instruction: 'q', output: 'a' },
    ],
    [{ q: 'i' }, 'alpaca', /missing field "a" for format alpaca/, { instruction: 'q', output: 'a' }],
    [
      { instruction: 'i', output: 'o', history: [['q']] },
      'alpaca',
      /field "history": expected \[prompt, response\] string pairs \(at position 0\)/,
    ],
    [{ text: 5 }, 'text', /field "text": expected a string, got number 5/],
    [{ prompt: 'p' }, 'prompt-completion', /missing field "completion"/],
    [
      { messages: [] },
      'messages',
      /field "messages": expected a non-empty array of turns, got an array of 0/,
    ],
    [{ messages: 'hi' }, 'messages', /field "messages": expected a non-empty array of turns, got "hi"/],
    [
      { messages: [{ role: 'user', content: 'q' }, 'a'] },
      'messages',
      /^d\.jsonl line 7: messages\[1\]: expected a turn object, got "a"$/,
    ],
    [
      { messages: [{ role: 'user', content: 1 }] },
      'messages',
      /messages\[0\]\.content: expected a string, got number 1/,
    ],
    [{ messages: [{ content: 'x' }] }, 'messages', /messages\[0\]\.role: expected a speaker name/],
    [
      { conversations: [{ from: 'human', value: null }] },
      'messages',
      /conversations\[0\]\.value: expected a string, got null/,
    ],
    [
      {
        conversations: [
          { from: 'human', value: 'q' },
          { role: 'assistant', content: 'a' },
        ],
      },
      'messages',
      /conversations\[1\]\.from: expected a speaker name \(turns are \{from, value\} like the first turn\), got undefined/,
    ],
    [
      {
        conversations: [
          { from: 'human', value: 'q' },
          { from: 'bot', value: 'a' },
        ],
      },
      'messages',
      /^d\.jsonl line 7: conversations\[1\]\.from: expected one of system, human, .*, got "bot"$/,
    ],
    [
      { input_ids: [1, -100] },
      'tokenized',
      /field "input_ids": expected integer token ids \(at position 1\), got number -100/,
    ],
    [
      { input_ids: [1, 2], labels: [1] },
      'tokenized',
      /field "labels": expected 2 labels \(one per input id\), got an array of 1/,
    ],
    [
      { input_ids: [1, 2], labels: [1, -5] },
      'tokenized',
      /field "labels": expected integer token ids or -100 \(at position 1\), got number -5/,
    ],
    [{ input_ids: 'x' }, 'tokenized', /field "input_ids": expected an array of token ids, got "x"/],
    [
      { conversations: [{ from: 'human', value: 'q' }], chosen: 3, rejected: 'b' },
      'preference',
      /field "chosen": expected a string, a message or a list of messages, got number 3/,
    ],
  ])('%j as %s', (record, format, message, fieldMap) => {
    let error: unknown;
    try {
      toExample(record, format, where, fieldMap);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toMatch(message);
    expect((error as DatasetError).line).toBe(7);
  });
});

describe('toMessages', () => {
  test.each<[string, SftExample, object[] | undefined]>([
    ['text has none', { format: 'text', text: 'x' }, undefined],
    ['tokenized has none', { format: 'tokenized', inputIds: [1] }, undefined],
    [
      'alpaca joins instruction and input with a newline (LLaMA-Factory)',
      {
        format: 'alpaca',
        instruction: 'Translate',
        input: 'bonjour',
        output: 'hello',
        system: 's',
        history: [['q0', 'a0']],
      },
      [
        { role: 'system', content: 's' },
        { role: 'user', content: 'q0' },
        { role: 'assistant', content: 'a0' },
        { role: 'user', content: 'Translate\nbonjour' },
        { role: 'assistant', content: 'hello' },
      ],
    ],
    [
      'alpaca with an empty instruction keeps the input alone',
      { format: 'alpaca', instruction: '', input: 'x', output: 'y' },
      [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: 'y' },
      ],
    ],
    [
      'prompt-completion',
      { format: 'prompt-completion', prompt: 'p', completion: 'c' },
      [
        { role: 'user', content: 'p' },
        { role: 'assistant', content: 'c' },
      ],
    ],
    [
      'preference trains on the chosen reply',
      {
        format: 'preference',
        messages: [{ role: 'user', content: 'q' }],
        chosen: [{ role: 'assistant', content: 'good' }],
        rejected: [{ role: 'assistant', content: 'bad' }],
      },
      [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'good' },
      ],
    ],
  ])('%s', (_, example, expected) => {
    expect(toMessages(example)).toEqual(expected);
  });
});

describe('hasEmptyTarget', () => {
  test.each<[SftExample, boolean]>([
    [{ format: 'text', text: ' \n' }, true],
    [{ format: 'text', text: 'x' }, false],
    [{ format: 'alpaca', instruction: 'i', input: '', output: '' }, true],
    [{ format: 'alpaca', instruction: 'i', input: '', output: 'o' }, false],
    [{ format: 'prompt-completion', prompt: 'p', completion: ' ' }, true],
    [{ format: 'messages', messages: [{ role: 'user', content: 'q' }] }, true],
    [
      {
        format: 'messages',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: '' },
        ],
      },
      true,
    ],
    [
      {
        format: 'messages',
        messages: [
          { role: 'user', content: '' },
          { role: 'assistant', content: 'a' },
        ],
      },
      false,
    ],
    [{ format: 'tokenized', inputIds: [] }, true],
  ])('%j → %s', (example, empty) => {
    expect(hasEmptyTarget(example)).toBe(empty);
  });
});

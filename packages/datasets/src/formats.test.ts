import { describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import { checkFieldMap, type DatasetFormat, detectFormat, type FieldMap } from './formats.js';

describe('detectFormat', () => {
  test.each<[Record<string, unknown>, DatasetFormat, FieldMap?]>([
    [{ text: 'hello' }, 'text'],
    [{ instruction: 'q', input: '', output: 'a' }, 'alpaca'],
    [{ instruction: 'q', output: 'a' }, 'alpaca'],
    [{ input: 'q', output: 'a' }, 'alpaca'],
    [{ prompt: 'q', completion: 'a' }, 'prompt-completion'],
    [{ messages: [{ role: 'user', content: 'q' }] }, 'messages'],
    [{ conversations: [{ from: 'human', value: 'q' }] }, 'messages'],
    [{ conversation: [] }, 'messages'],
    [{ conversations: [], chosen: {}, rejected: {} }, 'preference'],
    [{ prompt: 'q', chosen: 'a', rejected: 'b' }, 'preference'],
    [{ input_ids: [1, 2], labels: [-100, 2] }, 'tokenized'],
    [{ input_ids: [1, 2], text: 'x' }, 'tokenized'],
    [{ question: 'q', answer: 'a' }, 'alpaca', { instruction: 'question', output: 'answer' }],
    [{ body: 'x' }, 'text', { text: 'body' }],
    [{ dialog: [] }, 'messages', { messages: 'dialog' }],
  ])('%j → %s', (record, format, fieldMap) => {
    expect(detectFormat(record, fieldMap)).toBe(format);
  });

  test('a null field does not count as present', () => {
    expect(detectFormat({ text: 'x', instruction: null, output: 'y' })).toBe('text');
  });

  test('a mapped column that is absent does not fall back to the canonical name', () => {
    expect(() => detectFormat({ instruction: 'q', output: 'a' }, { output: 'answer' })).toThrow(DatasetError);
  });

  test('unknown keys: the error lists the formats and the keys found, with the location', () => {
    expect(() => detectFormat({ title: 't', contents: [] }, {}, { file: 'x.json', index: 0 })).toThrow(
      'x.json index 0: cannot detect the dataset format: expected keys text | instruction+output | prompt+completion | ' +
        'messages/conversations | chosen+rejected | input_ids, got keys [title, contents]; pass format, fieldMap or template',
    );
  });
});

describe('checkFieldMap', () => {
  test('accepts canonical keys', () => {
    expect(checkFieldMap({ instruction: 'q', output: 'a' })).toEqual({ instruction: 'q', output: 'a' });
    expect(checkFieldMap(undefined)).toEqual({});
  });
  test.each([
    [{ question: 'q' }, /fieldMap: expected keys among text, instruction, .*, got "question"/],
    [{ output: '' }, /fieldMap\.output: expected a column name, got ""/],
    [{ output: 3 }, /fieldMap\.output: expected a column name, got 3/],
    [['text'], /fieldMap: expected an object of canonical field → column, got object/],
  ])('rejects %j', (fieldMap, message) => {
    expect(() => checkFieldMap(fieldMap)).toThrow(message);
  });
});

import { describe, expect, test } from 'vitest';
import { fillPlaceholders, unfilledPlaceholder } from './template-vars.js';

const vars = { name: 'Ada', author: 'Lab' };

describe('unfilledPlaceholder', () => {
  test.each([
    ['I am {{name}}, by {{author}}.', {}, { line: 1, name: 'name' }],
    ['I am {{name}}, by {{author}}.', { name: 'Ada' }, { line: 1, name: 'author' }],
    ['[\n {"a": "x"},\n {"a": "{{who}}"}\n]', vars, { line: 3, name: 'who' }],
    ['I am {{name}}, by {{author}}.', vars, undefined],
    ['{{ name }} and {{1x}} and {name} are not placeholders', {}, undefined],
  ])('%j with %j → %j', (text, given, expected) => {
    expect(unfilledPlaceholder(text, given)).toEqual(expected);
  });
});

describe('fillPlaceholders', () => {
  test('every string of a record, nested ones too; quotes stay text', () => {
    const record = {
      instruction: 'Who made you?',
      output: 'I am {{name}}, an AI assistant developed by {{author}}.',
      messages: [{ role: 'assistant', content: '{{name}} says "hi"' }],
      n: 3,
    };
    expect(fillPlaceholders(record, { name: 'Ada "A"', author: 'Lab' })).toEqual({
      instruction: 'Who made you?',
      output: 'I am Ada "A", an AI assistant developed by Lab.',
      messages: [{ role: 'assistant', content: 'Ada "A" says "hi"' }],
      n: 3,
    });
  });

  test('a placeholder without a value is left as it is', () => {
    expect(fillPlaceholders('{{name}} by {{author}}', { name: 'Ada' })).toBe('Ada by {{author}}');
  });
});

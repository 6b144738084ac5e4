import { describe, expect, test } from 'vitest';
import { scanTags, unbalancedBlock } from './template-tags.js';

describe('scanTags', () => {
  test('finds each tag with its kind, keyword and line', () => {
    const { tags, unterminated } = scanTags(
      'a\n{%- for m in messages %}\n{{ m }}{# note\nmore #}\n{% endfor -%}',
    );
    expect(tags.map((t) => [t.kind, t.keyword, t.line])).toEqual([
      ['statement', 'for', 2],
      ['expression', '', 3],
      ['comment', '', 3],
      ['statement', 'endfor', 5],
    ]);
    expect(unterminated).toBeUndefined();
  });

  test("skips {% generation %} tags, as the library's lexer drops them", () => {
    const { tags } = scanTags('{% generation %}{{ x }}{%- endgeneration -%}');
    expect(tags.map((t) => t.kind)).toEqual(['expression']);
  });

  test('skips string literals and object braces inside a tag, as the lexer does', () => {
    const { tags } = scanTags(`{{ '%}' ~ "}}" }}{% set x = {'a': {'b': 1}} %}{{ {'k': 1}['k'] }}\n{{ y }}`);
    expect(tags.map((t) => t.inner.trim())).toEqual([
      `'%}' ~ "}}"`,
      `set x = {'a': {'b': 1}}`,
      `{'k': 1}['k']`,
      'y',
    ]);
    expect(tags.at(-1)?.line).toBe(2);
  });

  test.each([
    ['an unterminated string', "ok\n{{ 'abc }}\n"],
    ['an unclosed expression', 'ok\n{{ x '],
    ['an unclosed comment', 'ok\n{# x'],
  ])('reports %s with the line it opens on', (_, source) => {
    expect(scanTags(source).unterminated?.line).toBe(2);
  });
});

describe('unbalancedBlock', () => {
  const check = (source: string) => unbalancedBlock(scanTags(source).tags);

  test.each([
    ['{% for x in y %}{% if x %}{% endif %}{% endfor %}', undefined],
    ['{% set x %}a{% endset %}{% set y = 1 %}{% macro m() %}{% endmacro %}', undefined],
    [
      '{% if a %}\n{% for x in y %}\n{% endif %}',
      { line: 3, message: 'expected {% endfor %} to close the {% for %} of line 2, got {% endif %}' },
    ],
    [
      'x\n{% for x in y %}',
      { line: 2, message: '{% for %} is never closed: expected {% endfor %} before the end of the template' },
    ],
    ['{% endif %}', { line: 1, message: '{% endif %} closes no open block' }],
    [
      '{% set x = (a == b) %}{% set z %}',
      { line: 1, message: '{% set %} is never closed: expected {% endset %} before the end of the template' },
    ],
  ])('%j', (source, expected) => {
    expect(check(source)).toEqual(expected);
  });
});

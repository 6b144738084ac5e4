import { describe, expect, test } from 'vitest';
import { MetricsError } from './errors.js';
import { escapeCell, formatCell, markdownTable } from './markdown-table.js';
import { displayWidth } from './text-width.js';

describe('markdownTable', () => {
  test('pads columns, right-aligns numeric columns, escapes pipes and line breaks', () => {
    const table = markdownTable(
      [
        { model: 'base', loss: 2.3456789, ppl: 10.44, note: 'a|b' },
        { model: 'LoRA r=8 中文', loss: 1.5, ppl: 4, note: 'line1\nline2' },
      ],
      ['model', 'loss', { key: 'ppl', digits: 1 }, 'note'],
    );
    expect(table).toBe(
      [
        '| model         |   loss |  ppl | note           |',
        '| :------------ | -----: | ---: | :------------- |',
        '| base          | 2.3457 | 10.4 | a\\|b           |',
        '| LoRA r=8 中文 | 1.5000 |    4 | line1<br>line2 |',
      ].join('\n'),
    );
  });

  test('every line has the same display width, with wide characters counted twice', () => {
    const table = markdownTable(
      [
        { 问题: '北京是中国的首都吗？', 答案: '是' },
        { 问题: 'Is Paris in France?', 答案: 'yes' },
      ],
      ['问题', '答案'],
    );
    const widths = table.split('\n').map(displayWidth);
    expect(new Set(widths).size).toBe(1);
  });

  test('headers, explicit alignment and custom formatting', () => {
    const table = markdownTable(
      [{ a: 1, b: 'x' }],
      [
        { key: 'a', header: 'A', align: 'center', format: (v) => `#${String(v)}` },
        { key: 'b', header: 'B|C' },
      ],
    );
    expect(table).toBe(['|  A  | B\\|C |', '| :-: | :--- |', '| #1  | x    |'].join('\n'));
  });

  test('no rows still gives a header and separator; missing cells are empty', () => {
    expect(markdownTable([], ['x'])).toBe('| x   |\n| :-- |');
    expect(markdownTable([{ x: 1 }, {}], ['x']).split('\n')[3]).toBe('|     |');
  });

  test.each([
    [() => markdownTable([], []), 'markdownTable columns: expected at least one column, got array(0)'],
    [() => markdownTable([null as never], ['x']), 'markdownTable rows[0]: expected an object, got null'],
    [
      () => markdownTable('rows' as never, ['x']),
      'markdownTable rows: expected an array of objects, got "rows"',
    ],
    [
      () => markdownTable([], [{} as never]),
      'markdownTable columns[0]: expected a key string or { key }, got object',
    ],
  ])('rejects bad input %#', (run, message) => {
    expect(run).toThrow(MetricsError);
    expect(run).toThrow(message);
  });
});

describe('formatCell / escapeCell', () => {
  test.each([
    [3, undefined, '3'],
    [0.123456, undefined, '0.1235'],
    [0.5, 2, '0.50'],
    [Number.NaN, undefined, 'NaN'],
    [Number.NEGATIVE_INFINITY, undefined, '-Infinity'],
    [null, undefined, ''],
    [undefined, undefined, ''],
    [true, undefined, 'true'],
    [{ a: 1 }, undefined, '{"a":1}'],
  ])('formatCell(%j, %j) = %j', (value, digits, text) => {
    expect(formatCell(value, digits)).toBe(text);
  });

  test('escapeCell', () => {
    expect(escapeCell('a|b\r\nc\rd')).toBe('a\\|b<br>c<br>d');
  });
});

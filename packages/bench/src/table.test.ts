import { describe, expect, test } from 'vitest';
import { formatTable } from './table.js';

describe('formatTable', () => {
  test('pads the first column right and the others left, under a rule', () => {
    const text = formatTable(
      ['case', 'GFLOP/s'],
      [
        ['NN', '7.5'],
        ['LoRA down', '31.25'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'case       GFLOP/s',
      '---------  -------',
      'NN             7.5',
      'LoRA down    31.25',
    ]);
  });

  test('missing cells print as blanks', () => {
    expect(formatTable(['a', 'b', 'c'], [['x']]).split('\n')[2]).toBe('x');
  });
});

import { describe, expect, test } from 'vitest';
import { normaliseActual, resolveExpected } from './output.js';

describe('normaliseActual', () => {
  test.each([
    ['trailing spaces and blank lines go', 'a  \nb\t\n\n\n', [], 'a\nb'],
    [
      'the working directory reads <cwd>',
      'wrote /tmp/x-1/a.json and /tmp/x-1',
      ['/tmp/x-1'],
      'wrote <cwd>/a.json and <cwd>',
    ],
    ['the longer of two spellings wins', '/private/tmp/x/a', ['/tmp/x', '/private/tmp/x'], '<cwd>/a'],
    ['leading spaces stay', '  indented', [], '  indented'],
  ])('%s', (_, text, cwds, expected) => {
    expect(normaliseActual(text, cwds)).toBe(expected);
  });
});

describe('resolveExpected', () => {
  test.each([
    ['plain text is compared as is', 'a\nb  \n', 'a\nb', 'a\nb'],
    ['<…> matches within a line', 'took <…> ms', 'took 12.5 ms', 'took 12.5 ms'],
    ['<…> may match nothing', 'x<…>y', 'xy', 'xy'],
    ['<…> does not cross lines', 'a <…>', 'a\nb', 'a <…>'],
    ['a line that does not match stays, so the diff shows it', 'took <…> ms', 'took 12.5 s', 'took <…> ms'],
    ['regex characters in the rest of the line are literal', '(x) <…> [y]', '(x) 1 [y]', '(x) 1 [y]'],
    ['regex characters do not match other text', '(x) <…> [y]', 'x 1 y', '(x) <…> [y]'],
  ])('%s', (_, expected, actual, resolved) => {
    expect(resolveExpected(expected, actual)).toBe(resolved);
  });
});

import { describe, expect, test } from 'vitest';
import { GenerationError } from './errors.js';
import { StopStringMatcher } from './stop-strings.js';

// a toy vocabulary whose tokens decode to multi-character pieces, so stop strings span tokens
const VOCAB = ['a', 'b', 'Obs', 'erva', 'tion', ':', '\n', '<eos>', 'END'];
const decode = (ids: number[]) => ids.map((id) => (id === 7 ? '' : VOCAB[id])).join('');

describe('StopStringMatcher', () => {
  test.each([
    { name: 'a string inside one token', strings: ['END'], ids: [0, 8], expected: true },
    { name: 'a string spread over tokens', strings: ['Observation:'], ids: [0, 2, 3, 4, 5], expected: true },
    { name: 'not complete yet', strings: ['Observation:'], ids: [0, 2, 3, 4], expected: false },
    { name: 'a token overhanging the end', strings: ['ervat'], ids: [2, 3, 4], expected: true },
    { name: 'any of several', strings: ['zzz', '\n\n'], ids: [0, 6, 6], expected: true },
    { name: 'tokens decoding to nothing in between', strings: ['ab'], ids: [0, 7, 7, 1], expected: true },
    {
      name: 'far back in a long history still in view',
      strings: ['ab'],
      ids: [0, 1, ...Array<number>(10).fill(7)],
      expected: true,
    },
    { name: 'no strings', strings: [], ids: [8], expected: false },
  ])('$name', ({ strings, ids, expected }) => {
    expect(new StopStringMatcher(strings, decode).matches(ids)).toBe(expected);
  });

  test('decodes only the newest tokens (longest string + 16)', () => {
    const seen: number[] = [];
    const matcher = new StopStringMatcher(['abc'], (ids) => {
      seen.push(ids.length);
      return decode(ids);
    });
    matcher.matches(Array<number>(100).fill(0));
    expect(seen).toEqual([19]);
  });

  test.each([
    {
      strings: ['x'],
      decoder: undefined,
      message: 'stopStrings: expected a decode function (options.decode) to turn tokens into text, got none',
    },
    { strings: ['x', ''], decoder: decode, message: 'stopStrings[1]: expected a non-empty string, got ""' },
  ])('refuses $strings without a way to match them', ({ strings, decoder, message }) => {
    expect(() => new StopStringMatcher(strings, decoder)).toThrow(new GenerationError(message));
  });
});

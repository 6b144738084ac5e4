import { describe, expect, test } from 'vitest';
import { MetricsError } from './errors.js';
import { exactMatch, type NormalizeOptions, normalizeText } from './exact-match.js';

describe('normalizeText', () => {
  test.each([
    [' Paris. ', {}, ' Paris. '],
    [' Paris. ', { trim: true }, 'Paris.'],
    [' Paris. ', { trim: true, lowercase: true, stripPunctuation: true }, 'paris'],
    ['The  "Big"\tApple!', { stripPunctuation: true, collapseWhitespace: true }, 'The Big Apple'],
    ['$3+4=7 | ~ok~', { stripPunctuation: true }, '347  ok'], // ASCII symbols ($+=|~) go too
    ['北京。', { stripPunctuation: true }, '北京'],
    ['“北京”，中国！', { stripPunctuation: true }, '北京中国'],
    ['ＡＢＣ１２３', { nfkc: true }, 'ABC123'],
    ['ＡＢＣ１２３', { nfkc: true, lowercase: true }, 'abc123'],
    ['\u3000答案\u3000', { trim: true }, '答案'],
  ] as Array<[string, NormalizeOptions, string]>)('%j with %j -> %j', (text, options, expected) => {
    expect(normalizeText(text, options)).toBe(expected);
  });
});

describe('exactMatch', () => {
  test('no normalisation unless asked', () => {
    expect(exactMatch(['Paris', 'paris ', 'Rome'], ['Paris', 'Paris', 'Milan'])).toEqual({
      score: 1 / 3,
      matches: 1,
      total: 3,
    });
  });

  test('with SQuAD-like normalisation', () => {
    const options = { trim: true, lowercase: true, stripPunctuation: true, collapseWhitespace: true };
    expect(exactMatch(['Paris', 'paris ', 'Rome.'], ['Paris', 'Paris', 'rome'], options).score).toBe(1);
  });

  test('any of several references counts', () => {
    expect(exactMatch(['NYC'], [['New York', 'NYC']]).matches).toBe(1);
  });

  test('Chinese answers with full-width punctuation', () => {
    expect(exactMatch(['北京。'], ['北京'], { stripPunctuation: true }).score).toBe(1);
  });

  test('errors', () => {
    expect(() => exactMatch([], [])).toThrow('exactMatch: expected at least one hypothesis, got 0');
    expect(() => exactMatch(['a'], [])).toThrow(MetricsError);
  });
});

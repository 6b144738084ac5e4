import { describe, expect, test } from 'vitest';
import { normalizeAnswer, scoreAnswers } from './answer-eval.js';

describe('normalizeAnswer', () => {
  test.each([
    ['sports', 'sports'],
    [' Sports.', 'sports'],
    ['FOOD!', 'food'],
    ['weather \n', 'weather'],
    ['tech. ', 'tech'],
    ['tech tech', 'tech tech'],
    ['', ''],
  ])('%j → %j', (text, normalized) => expect(normalizeAnswer(text)).toBe(normalized));
});

describe('scoreAnswers', () => {
  test('counts answers equal to the label after normalizing, and shows the sentence of each prompt', () => {
    const cases = ['sports', 'food', 'tech'].map((label, i) => ({
      prompt: [{ role: 'user', content: `Which topic?\nsentence ${i}` }],
      expected: label,
    }));
    const { correct, predictions } = scoreAnswers(cases, ['Sports.', 'weather', 'tech tech']);
    expect(correct).toBe(1);
    expect(predictions).toEqual([
      { input: 'sentence 0', expected: 'sports', got: 'Sports.', correct: true },
      { input: 'sentence 1', expected: 'food', got: 'weather', correct: false },
      { input: 'sentence 2', expected: 'tech', got: 'tech tech', correct: false },
    ]);
  });

  test('a missing answer counts as wrong', () => {
    const { correct, predictions } = scoreAnswers(
      [{ prompt: [{ role: 'user', content: 'x' }], expected: 'food' }],
      [],
    );
    expect(correct).toBe(0);
    expect(predictions[0]!.got).toBe('');
  });
});

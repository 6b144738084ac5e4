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
  test('counts answers equal to the expected one after normalizing, and shows the question of each prompt', () => {
    const cases = ['Lily', 'park', 'kite'].map((answer, i) => ({
      prompt: [{ role: 'user', content: `story ${i}. Who?` }],
      expected: answer,
    }));
    const { correct, predictions } = scoreAnswers(cases, ['lily.', 'beach', 'kite kite']);
    expect(correct).toBe(1);
    expect(predictions).toEqual([
      { input: 'story 0. Who?', expected: 'Lily', got: 'lily.', correct: true },
      { input: 'story 1. Who?', expected: 'park', got: 'beach', correct: false },
      { input: 'story 2. Who?', expected: 'kite', got: 'kite kite', correct: false },
    ]);
  });

  test('only the answered prompts are scored (an evaluation Stop interrupted)', () => {
    const cases = ['a', 'b', 'c'].map((expected) => ({ prompt: [{ role: 'user', content: 'q' }], expected }));
    const { correct, predictions } = scoreAnswers(cases, ['a']);
    expect(correct).toBe(1);
    expect(predictions).toHaveLength(1);
  });
});

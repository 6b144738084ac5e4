import type { SftExample } from '@lora/datasets';
import { describe, expect, test } from 'vitest';
import { answerCases, closedLabelSet, normalizeAnswer, OTHER_LABEL, scoreAnswers } from './answers.js';

describe('normalizeAnswer', () => {
  test.each([
    ['  Sports. ', 'sports'],
    ['food', 'food'],
    ['天气。', '天气'],
    ['Tech!!', 'tech'],
    ['a b', 'a b'],
  ])('%j → %j', (text, expected) => expect(normalizeAnswer(text)).toBe(expected));
});

describe('closedLabelSet', () => {
  test.each([
    [
      ['a', 'b', 'a', 'b'],
      ['a', 'b'],
    ],
    [
      ['Sports', 'food', 'sports.', 'food'],
      ['food', 'sports'],
    ],
    [['a', 'b'], undefined], // each label seen once: free-form answers
    [['one two three four five', 'one two three four five', 'x', 'x'], undefined], // too long to be a label
    [['only'], undefined],
  ])('%j → %j', (expected, labels) => expect(closedLabelSet(expected)).toEqual(labels));
});

describe('scoreAnswers', () => {
  test('accuracy and sklearn-style report with garbled answers in the (other) column', () => {
    const expected = ['sports', 'sports', 'food', 'food', 'tech', 'tech'];
    const predicted = ['sports', 'food', 'food', 'Food.', 'roeage', 'tech'];
    const s = scoreAnswers(expected, predicted);
    expect(s).toMatchObject({ total: 6, correct: 4 });
    expect(s.accuracy).toBeCloseTo(4 / 6, 12);
    const report = s.report!;
    expect(report.confusionMatrix.columns).toEqual(['food', 'sports', 'tech', OTHER_LABEL]);
    expect(report.confusionMatrix.counts).toEqual([
      [2, 0, 0, 0],
      [1, 1, 0, 0],
      [0, 0, 1, 1],
    ]);
    // by hand: food P = 2/3, R = 1; sports P = 1, R = 1/2; tech P = 1, R = 1/2
    const food = report.perClass.find((c) => c.label === 'food')!;
    expect(food.precision).toBeCloseTo(2 / 3, 12);
    expect(food.recall).toBe(1);
    expect(report.macro.recall).toBeCloseTo((1 + 0.5 + 0.5) / 3, 12);
  });

  test('free-form answers get exact match only', () => {
    const s = scoreAnswers(['a long answer here', 'another one entirely'], ['a long answer here', 'no']);
    expect(s.correct).toBe(1);
    expect(s.report).toBeUndefined();
  });
});

describe('answerCases', () => {
  const where = { file: 'd.jsonl', line: 1 };
  test('the conversation before the last assistant turn, and that turn as the answer', () => {
    const examples = [
      { format: 'alpaca', instruction: 'Classify', input: 'the goal', output: 'sports', where },
      { format: 'text', text: 'plain text has no answer', where },
    ] as unknown as SftExample[];
    const cases = answerCases(examples);
    expect(cases).toHaveLength(1);
    expect(cases[0]!.expected).toBe('sports');
    expect(cases[0]!.prompt.at(-1)).toEqual({ role: 'user', content: 'Classify\nthe goal' });
    expect(answerCases(examples, () => 'SPORTS')[0]!.expected).toBe('SPORTS');
  });
});

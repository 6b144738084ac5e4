import type { SftExample } from '@lora/datasets';
import { describe, expect, test } from 'vitest';
import {
  answerCases,
  answerKind,
  answersJson,
  closedLabelSet,
  describeAnswers,
  headlineMetric,
  normalizeAnswer,
  OTHER_LABEL,
  scoreAnswers,
} from './answers.js';

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

  test('short free-form answers (names, numbers) are scored by exact match', () => {
    const s = scoreAnswers(['Lily', 'Tom', 'Ben the dog'], ['Lily.', 'Sam', 'ben the dog']);
    expect(s.kind).toBe('short');
    expect([s.correct, s.report, s.text]).toEqual([2, undefined, undefined]);
    expect(headlineMetric(s)).toEqual({ name: 'exact match', value: 2 / 3, shown: 'exact match 66.7% (2/3)' });
  });

  test('open text is scored by chrF, with BLEU and ROUGE-L beside it', () => {
    const expected = ['the cat sat on the mat today', 'a dog ran in the big green park'];
    const close = scoreAnswers(expected, ['the cat sat on a mat today', 'a dog ran in the green park']);
    const far = scoreAnswers(expected, ['hello', 'nothing here at all']);
    expect(close.kind).toBe('text');
    expect(close.correct).toBe(0); // exact match says nothing about these
    expect(close.text!.chrf).toBeGreaterThan(60);
    expect(far.text!.chrf).toBeLessThan(15);
    expect(close.text!.bleu).toBeGreaterThan(far.text!.bleu);
    expect(close.text!.rougeL).toBeGreaterThan(0.8);
    expect(headlineMetric(close).name).toBe('chrF');
    expect(describeAnswers(close)).toMatch(/^chrF [\d.]+, BLEU [\d.]+, ROUGE-L 0\.\d{4}, exact match 0\/2$/);
  });

  test.each([
    [['sports', 'food', 'sports', 'food'], 'labels'],
    [['Lily', 'Tom'], 'short'],
    [['one two three four five', 'x'], 'text'],
  ] as const)('answerKind(%j) is %s', (expected, kind) => {
    expect(answerKind(expected)).toBe(kind);
  });

  test('the JSON has per-class, macro and weighted figures for a label set', () => {
    const json = answersJson(scoreAnswers(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b']));
    expect(json).toMatchObject({ answer_kind: 'labels', metric: 'accuracy', accuracy: 0.75, correct: 3, total: 4 });
    expect(json.per_class).toEqual({
      a: { precision: 1, recall: 0.5, f1: 2 / 3, support: 2 },
      b: { precision: 2 / 3, recall: 1, f1: 0.8, support: 2 },
    });
    expect(json.weighted_f1).toBeCloseTo((2 / 3 + 0.8) / 2, 12);
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

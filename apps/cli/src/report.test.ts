import { describe, expect, test } from 'vitest';
import { scoreAnswers } from './answers.js';
import { evalComparisonTable, generationsTable } from './report.js';

describe('generationsTable', () => {
  test('short texts: one table, nothing cut', () => {
    const md = generationsTable([{ prompt: 'Who?', expected: 'Lily', before: 'the', after: 'Lily' }]);
    expect(md).toContain('| Who? ');
    expect(md).toContain('| Lily ');
  });

  test('long texts are shown in full, one example at a time, line breaks kept', () => {
    const long = 'Once upon a time there was a little girl who loved to play in the park with her friends every day.';
    const md = generationsTable([{ prompt: 'Tell a story.', expected: long, before: 'She\nran.', after: long }]);
    expect(md).not.toContain('…');
    expect(md.split(long).length).toBe(3); // expected and after, whole
    expect(md).toContain('*before*\n\n> She\n> ran.');
  });
});

describe('evalComparisonTable', () => {
  const snap = (predicted: string[], expected: string[]) => ({
    loss: 1,
    perplexity: Math.E,
    answers: scoreAnswers(expected, predicted),
  });

  test('open text: chrF, BLEU, ROUGE-L and exact match rows', () => {
    const expected = ['the cat sat on the mat today', 'a dog ran in the big green park'];
    const md = evalComparisonTable(snap(['x', 'y'], expected), snap(expected, expected));
    expect(md).toMatch(/\| chrF \(generated\) +\| +[\d.]+ \| +100\.0 \|/);
    expect(md).toContain('BLEU');
    expect(md).toContain('ROUGE-L F');
    expect(md).not.toContain('macro F1');
  });

  test('a label set: accuracy, macro and weighted F1', () => {
    const labels = ['a', 'b', 'a', 'b'];
    const md = evalComparisonTable(snap(['a', 'a', 'a', 'a'], labels), snap(labels, labels));
    expect(md).toMatch(/\| accuracy \(generated\) +\| +50\.0% \(2\/4\) \| +100\.0% \(4\/4\) \|/);
    expect(md).toContain('weighted F1');
  });
});

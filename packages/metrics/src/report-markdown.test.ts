import { describe, expect, test } from 'vitest';
import { classificationReport } from './classification-report.js';
import { confusionMatrix } from './confusion-matrix.js';
import { MetricsError } from './errors.js';
import { classificationReportMarkdown, confusionMatrixMarkdown } from './report-markdown.js';

describe('confusionMatrixMarkdown', () => {
  test('rows are true labels, columns predicted, unknown column last', () => {
    const cm = confusionMatrix(['yes', 'no', 'yes', 'no'], ['yes', 'maybe', 'no', 'no'], {
      unknownLabel: 'other',
    });
    expect(confusionMatrixMarkdown(cm)).toBe(
      [
        '| true \\ predicted |  no | yes | other |',
        '| :--------------- | --: | --: | ----: |',
        '| no               |   1 |   0 |     1 |',
        '| yes              |   1 |   1 |     0 |',
      ].join('\n'),
    );
  });

  test('labels that look like object keys or contain pipes are safe', () => {
    const cm = confusionMatrix(['__proto__', 'a|b'], ['a|b', 'a|b']);
    const md = confusionMatrixMarkdown(cm, { corner: 'gold' });
    expect(md.split('\n')[0]).toBe('| gold      | __proto__ | a\\|b |');
    expect(md.split('\n')[2]).toBe('| __proto__ |         0 |    1 |');
  });

  test('rejects a malformed matrix', () => {
    expect(() => confusionMatrixMarkdown({ labels: ['a'], columns: ['a'], counts: [[1, 2]] })).toThrow(
      MetricsError,
    );
    expect(() => confusionMatrixMarkdown({ labels: ['a'], columns: ['a'], counts: [[1, 2]] })).toThrow(
      'confusionMatrixMarkdown: expected counts of shape 1×1, got 1×2',
    );
  });
});

describe('classificationReportMarkdown', () => {
  test('sklearn layout with fixed decimals', () => {
    const report = classificationReport(['0', '1', '2', '2', '2'], ['0', '0', '2', '2', '1'], {
      positiveLabel: undefined,
    });
    expect(classificationReportMarkdown(report, { digits: 2 })).toBe(
      [
        '|              | precision | recall | f1-score | support |',
        '| :----------- | --------: | -----: | -------: | ------: |',
        '| 0            |      0.50 |   1.00 |     0.67 |       1 |',
        '| 1            |      0.00 |   0.00 |     0.00 |       1 |',
        '| 2            |      1.00 |   0.67 |     0.80 |       3 |',
        '| accuracy     |           |        |     0.60 |       5 |',
        '| micro avg    |      0.60 |   0.60 |     0.60 |       5 |',
        '| macro avg    |      0.50 |   0.56 |     0.49 |       5 |',
        '| weighted avg |      0.70 |   0.60 |     0.61 |       5 |',
      ].join('\n'),
    );
  });

  test('binary row when a positive label was given', () => {
    const report = classificationReport(['spam', 'ham'], ['spam', 'spam'], { positiveLabel: 'spam' });
    expect(classificationReportMarkdown(report).split('\n').at(-1)).toBe(
      '| binary (spam) |    0.5000 | 1.0000 |   0.6667 |       1 |',
    );
  });
});

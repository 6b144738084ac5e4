import { describe, expect, test } from 'vitest';
import { confusionMatrix } from './confusion-matrix.js';
import { compareCodePoints } from './labels.js';

describe('confusionMatrix', () => {
  // scikit-learn confusion_matrix docstring
  const yTrue = ['cat', 'ant', 'cat', 'cat', 'ant', 'bird'];
  const yPred = ['ant', 'ant', 'cat', 'cat', 'ant', 'cat'];

  test('sklearn docstring example: rows = true, columns = predicted', () => {
    const cm = confusionMatrix(yTrue, yPred, { labels: ['ant', 'bird', 'cat'] });
    expect(cm.counts).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    expect(cm.columns).toEqual(['ant', 'bird', 'cat']);
    expect(cm.unknownLabel).toBeUndefined();
  });

  test('inferred labels are the sorted union; explicit labels keep their order', () => {
    expect(confusionMatrix(yTrue, yPred).labels).toEqual(['ant', 'bird', 'cat']);
    const cm = confusionMatrix(yTrue, yPred, { labels: ['cat', 'bird', 'ant'] });
    expect(cm.counts).toEqual([
      [2, 0, 1],
      [1, 0, 0],
      [0, 0, 2],
    ]);
  });

  test('predictions outside the labels go to the unknown column (labels inferred from yTrue)', () => {
    const cm = confusionMatrix(['yes', 'no', 'no'], ['yes', 'I think so', 'no'], { unknownLabel: '<other>' });
    expect(cm.labels).toEqual(['no', 'yes']);
    expect(cm.columns).toEqual(['no', 'yes', '<other>']);
    expect(cm.counts).toEqual([
      [1, 0, 1],
      [0, 1, 0],
    ]);
    expect(cm.unknownLabel).toBe('<other>');
  });

  test('the unknown column exists even when nothing lands in it', () => {
    expect(confusionMatrix(['a'], ['a'], { unknownLabel: '?' }).counts).toEqual([[1, 0]]);
  });

  test('empty input gives zeros over explicit labels, or a 0×0 matrix', () => {
    expect(confusionMatrix([], [], { labels: ['a', 'b'] }).counts).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(confusionMatrix([], []).counts).toEqual([]);
  });

  test('without an unknown column a garbage prediction throws instead of being dropped', () => {
    expect(() => confusionMatrix(['a'], ['b'], { labels: ['a'] })).toThrow(
      /confusionMatrix yPred\[0\]: expected one of the labels \["a"\], got "b"/,
    );
  });

  test('labels sort by code point, as numpy does (not by UTF-16 unit)', () => {
    const labels = confusionMatrix(
      ['b', '😀', '\uffff', 'A', 'a', '中'],
      ['b', '😀', '\uffff', 'A', 'a', '中'],
    ).labels;
    expect(labels).toEqual(['A', 'a', 'b', '中', '\uffff', '😀']);
    expect(['😀', '\uffff'].sort()).toEqual(['😀', '\uffff']); // what a plain sort would do
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('a', 'a')).toBe(0);
  });
});

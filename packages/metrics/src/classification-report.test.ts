// Expected values: scikit-learn's documented examples (classification_report, precision_recall_fscore_support,
// precision_score, f1_score docstrings; sklearn >= 1.3 semantics). scikit-learn is not installed here, so the
// exact fractions were derived by hand from tp/fp/fn counts (shown in comments) and checked against the docs'
// rounded printouts.
import { expectClose, makeRng } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import {
  type ClassificationReport,
  type ClassScores,
  classificationReport,
} from './classification-report.js';
import { MetricsError } from './errors.js';

const s = (xs: Array<number | string>): string[] => xs.map(String);
const triple = (c: ClassScores): number[] => [c.precision, c.recall, c.f1];
const perClass = (r: ClassificationReport): number[][] => r.perClass.map(triple);
const close = (actual: number[], expected: number[], label: string): void =>
  expectClose(actual, expected, { rtol: 1e-12, atol: 1e-15 }, label);

describe('classificationReport against scikit-learn documented examples', () => {
  test('classification_report docstring: y_true [0,1,2,2,2], y_pred [0,0,2,2,1]', () => {
    const r = classificationReport(s([0, 1, 2, 2, 2]), s([0, 0, 2, 2, 1]));
    expect(r.labels).toEqual(['0', '1', '2']);
    // class 0: tp 1, pred 2, true 1 | class 1: tp 0, pred 1, true 1 | class 2: tp 2, pred 2, true 3
    close(perClass(r).flat(), [1 / 2, 1, 2 / 3, 0, 0, 0, 1, 2 / 3, 4 / 5], 'per class');
    expect(r.perClass.map((c) => c.support)).toEqual([1, 1, 3]);
    expect(r.accuracy).toBe(0.6);
    close(triple(r.macro), [1 / 2, 5 / 9, 22 / 45], 'macro');
    close(triple(r.weighted), [7 / 10, 3 / 5, 46 / 75], 'weighted');
    close(triple(r.micro), [0.6, 0.6, 0.6], 'micro = accuracy');
    expect(r.macro.support).toBe(5);
    // the docstring's printout, to two decimals
    const printed = [...r.perClass.map(triple), triple(r.macro), triple(r.weighted)].map((row) =>
      row.map((v) => v.toFixed(2)).join(' '),
    );
    expect(printed).toEqual([
      '0.50 1.00 0.67',
      '0.00 0.00 0.00',
      '1.00 0.67 0.80',
      '0.50 0.56 0.49',
      '0.70 0.60 0.61',
    ]);
  });

  test('classification_report docstring: labels=[1,2,3] with a prediction (0) outside them -> unknown column', () => {
    const r = classificationReport(s([1, 1, 1]), s([1, 1, 0]), {
      labels: s([1, 2, 3]),
      unknownLabel: 'other',
    });
    close(perClass(r).flat(), [1, 2 / 3, 4 / 5, 0, 0, 0, 0, 0, 0], 'per class');
    expect(r.perClass.map((c) => c.support)).toEqual([3, 0, 0]);
    close(triple(r.micro), [1, 2 / 3, 4 / 5], 'micro avg'); // sklearn prints "micro avg 1.00 0.67 0.80"
    close(triple(r.macro), [1 / 3, 2 / 9, 4 / 15], 'macro avg'); // 0.33 0.22 0.27
    close(triple(r.weighted), [1, 2 / 3, 4 / 5], 'weighted avg'); // 1.00 0.67 0.80
    expect(r.accuracy).toBeCloseTo(2 / 3, 15); // the garbage prediction is wrong, never dropped
    expect(r.unknownCount).toBe(1);
    expect(r.confusionMatrix.columns).toEqual(['1', '2', '3', 'other']);
    expect(r.confusionMatrix.counts).toEqual([
      [2, 0, 0, 1],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
  });

  test('precision_recall_fscore_support docstring: cat/dog/pig averages and explicit label order', () => {
    const yTrue = ['cat', 'dog', 'pig', 'cat', 'dog', 'pig'];
    const yPred = ['cat', 'pig', 'dog', 'cat', 'cat', 'dog'];
    const r = classificationReport(yTrue, yPred);
    close(triple(r.macro), [2 / 9, 1 / 3, 4 / 15], 'macro (0.22, 0.33, 0.26)');
    close(triple(r.micro), [1 / 3, 1 / 3, 1 / 3], 'micro (0.33, 0.33, 0.33)');
    close(triple(r.weighted), [2 / 9, 1 / 3, 4 / 15], 'weighted (0.22, 0.33, 0.26)');
    const ordered = classificationReport(yTrue, yPred, { labels: ['pig', 'dog', 'cat'] });
    expect(ordered.labels).toEqual(['pig', 'dog', 'cat']);
    close(
      ordered.perClass.map((c) => c.precision),
      [0, 0, 2 / 3],
      'precision',
    );
    close(
      ordered.perClass.map((c) => c.recall),
      [0, 0, 1],
      'recall',
    );
    close(
      ordered.perClass.map((c) => c.f1),
      [0, 0, 0.8],
      'f1',
    );
    expect(ordered.perClass.map((c) => c.support)).toEqual([2, 2, 2]);
  });

  test('f1_score docstring: y_true [0,1,2,0,1,2], y_pred [0,2,1,0,0,1]', () => {
    const r = classificationReport(s([0, 1, 2, 0, 1, 2]), s([0, 2, 1, 0, 0, 1]));
    close(
      r.perClass.map((c) => c.f1),
      [0.8, 0, 0],
      'f1 per class',
    );
    close(
      [r.macro.f1, r.micro.f1, r.weighted.f1],
      [0.8 / 3, 1 / 3, 0.8 / 3],
      'macro 0.26.., micro 0.33.., weighted 0.26..',
    );
  });

  test.each([
    [undefined, [1 / 3, 0, 0], 1 / 9],
    [0, [1 / 3, 0, 0], 1 / 9],
    [1, [1 / 3, 1, 1], 7 / 9],
    [Number.NaN, [1 / 3, Number.NaN, Number.NaN], 1 / 3], // NaN classes are left out of the average
  ])(
    'precision_score docstring zero_division=%s: y_pred all 0',
    (zeroDivision, precision, macroPrecision) => {
      const r = classificationReport(s([0, 1, 2, 0, 1, 2]), s([0, 0, 0, 0, 0, 0]), { zeroDivision });
      const got = r.perClass.map((c) => c.precision);
      expect(got.map(Number.isNaN)).toEqual(precision.map(Number.isNaN));
      close(
        got.filter((v) => !Number.isNaN(v)),
        precision.filter((v) => !Number.isNaN(v)),
        'precision',
      );
      close([r.macro.precision], [macroPrecision], 'macro precision');
      // recall and F1 are well defined here whatever zeroDivision says: class 0 R = 2/2, F = 2·2/(2+6)
      close(
        r.perClass.flatMap((c) => [c.recall, c.f1]),
        [1, 0.5, 0, 0, 0, 0],
        'recall, f1',
      );
      if (zeroDivision === undefined) {
        expect(r.warnings).toEqual([
          'precision is ill-defined and set to 0 for labels with no predicted samples: "1", "2"',
        ]);
      } else {
        expect(r.warnings).toEqual([]);
      }
    },
  );

  test.each([
    [undefined, 0],
    [1, 1],
    [Number.NaN, Number.NaN],
  ])('f1_score docstring, binary with no positives anywhere (zero_division=%s) -> %s', (zeroDivision, f1) => {
    const r = classificationReport(s([0, 0, 0, 0, 0, 0]), s([0, 0, 0, 0, 0, 0]), {
      positiveLabel: '1',
      zeroDivision,
    });
    expect(r.labels).toEqual(['0', '1']);
    expect(r.binary?.positiveLabel).toBe('1');
    expect(r.binary?.support).toBe(0);
    if (Number.isNaN(f1)) expect(r.binary?.f1).toBeNaN();
    else expect(r.binary?.f1).toBe(f1);
  });
});

describe('classificationReport edge cases (hand-derived)', () => {
  test('a class that is neither true nor predicted (empty class) drags the macro average only', () => {
    const r = classificationReport(['a', 'b'], ['a', 'b'], { labels: ['a', 'b', 'c'] });
    close(triple(r.perClass[2]!), [0, 0, 0], 'c');
    close(triple(r.macro), [2 / 3, 2 / 3, 2 / 3], 'macro');
    close(triple(r.weighted), [1, 1, 1], 'weighted (support 1, 1, 0)');
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings[2]).toBe(
      'F1 is ill-defined and set to 0 for labels with no true nor predicted samples: "c"',
    );
    const nan = classificationReport(['a', 'b'], ['a', 'b'], {
      labels: ['a', 'b', 'c'],
      zeroDivision: Number.NaN,
    });
    close(triple(nan.macro), [1, 1, 1], 'macro without the NaN class');
  });

  test('all one class', () => {
    const r = classificationReport(['x', 'x', 'x'], ['x', 'x', 'x']);
    expect(r.labels).toEqual(['x']);
    expect(triple(r.perClass[0]!)).toEqual([1, 1, 1]);
    expect([r.accuracy, ...triple(r.macro), ...triple(r.weighted)]).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(r.warnings).toEqual([]);
  });

  test('a class never predicted: precision ill-defined, recall 0, F1 0', () => {
    // a: tp 2, pred 4, true 2 | b: tp 0, pred 0, true 2
    const r = classificationReport(['a', 'a', 'b', 'b'], ['a', 'a', 'a', 'a']);
    close(perClass(r).flat(), [1 / 2, 1, 2 / 3, 0, 0, 0], 'per class');
    close(triple(r.macro), [1 / 4, 1 / 2, 1 / 3], 'macro');
    expect(r.warnings).toEqual([
      'precision is ill-defined and set to 0 for labels with no predicted samples: "b"',
    ]);
    expect(
      classificationReport(['a', 'a', 'b', 'b'], ['a', 'a', 'a', 'a'], { zeroDivision: 1 }).perClass[1]!
        .precision,
    ).toBe(1);
  });

  test('a class never true: recall ill-defined, precision 0, and it weighs nothing in the weighted average', () => {
    // a: tp 1, pred 1, true 2 | b: tp 0, pred 1, true 0
    const r = classificationReport(['a', 'a'], ['a', 'b']);
    close(perClass(r).flat(), [1, 1 / 2, 2 / 3, 0, 0, 0], 'per class');
    close(triple(r.weighted), [1, 1 / 2, 2 / 3], 'weighted');
    close(triple(r.macro), [1 / 2, 1 / 4, 1 / 3], 'macro');
    expect(r.warnings).toEqual(['recall is ill-defined and set to 0 for labels with no true samples: "b"']);
  });

  test('weighted average whose non-NaN entries all have zero support falls back to the plain mean (sklearn _nanaverage)', () => {
    // a: pred 0 -> precision NaN (weight 2) | b: precision 0/2 = 0 (weight 0)
    const r = classificationReport(['a', 'a'], ['b', 'b'], { zeroDivision: Number.NaN });
    expect(r.weighted.precision).toBe(0);
    expect(r.weighted.recall).toBe(0); // a: 0/2 (weight 2), b: NaN
  });

  test('empty input throws MetricsError', () => {
    expect(() => classificationReport([], [])).toThrow(MetricsError);
    expect(() => classificationReport([], [], { labels: ['a'] })).toThrow(
      'classificationReport: expected at least one sample, got 0',
    );
  });

  test('binary mode reports the positive label', () => {
    // spam: tp 2, pred 3, true 2
    const r = classificationReport(['spam', 'ham', 'spam', 'ham'], ['spam', 'spam', 'spam', 'ham'], {
      positiveLabel: 'spam',
    });
    close(triple(r.binary!), [2 / 3, 1, 4 / 5], 'binary');
    expect(r.binary!.support).toBe(2);
  });

  test('binary mode with garbage predictions counted in an unknown column', () => {
    // yes: tp 1, pred 1, true 2 | no: tp 0, pred 1, true 1 | one unknown prediction
    const r = classificationReport(['yes', 'no', 'yes'], ['yes', 'maybe?', 'no'], {
      positiveLabel: 'yes',
      unknownLabel: 'other',
    });
    expect(r.labels).toEqual(['no', 'yes']);
    close(triple(r.binary!), [1, 1 / 2, 2 / 3], 'binary');
    expect(r.unknownCount).toBe(1);
    expect(r.accuracy).toBeCloseTo(1 / 3, 15);
    close(triple(r.micro), [1 / 2, 1 / 3, 2 / 5], 'micro over the labels');
    expect(r.confusionMatrix.columns).toEqual(['no', 'yes', 'other']);
    expect(r.confusionMatrix.counts).toEqual([
      [0, 0, 1],
      [1, 1, 0],
    ]);
  });

  test.each([
    [
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      { positiveLabel: 'a' },
      /binary mode \(positiveLabel "a"\): expected at most 2 labels, got 3: \["a","b","c"\]/,
    ],
    [
      ['a', 'b'],
      ['a', 'b'],
      { positiveLabel: 'z' },
      'classificationReport positiveLabel: expected one of ["a","b"], got "z"',
    ],
    [
      ['a', 'b'],
      ['a', 'b'],
      { labels: ['a'], positiveLabel: 'a' },
      /yTrue\[1\]: expected one of the labels \["a"\], got "b"/,
    ],
    [
      ['a', 'b'],
      ['a', 'b'],
      { zeroDivision: 0.5 },
      'classificationReport zeroDivision: expected 0, 1 or NaN, got 0.5',
    ],
    [
      ['a', 'b'],
      ['a', '???'],
      { labels: ['a', 'b'] },
      /yPred\[1\]: expected one of the labels \["a","b"\], got "\?\?\?" \(pass unknownLabel/,
    ],
    [
      ['a', 'b', 'c'],
      ['a', 'b'],
      {},
      'yTrue and yPred must have the same length: expected yPred.length 3 (= yTrue.length), got 2',
    ],
    [
      ['a'],
      ['a'],
      { labels: ['a', 'a'] },
      'classificationReport labels: expected unique labels, got "a" twice',
    ],
    [
      ['a'],
      ['a'],
      { labels: ['a'], unknownLabel: 'a' },
      'classificationReport unknownLabel: expected a name that is not a label, got "a"',
    ],
    [
      ['a', 1 as unknown as string],
      ['a', 'b'],
      {},
      'classificationReport yTrue[1]: expected a string, got 1',
    ],
  ])('rejects %j vs %j with %j', (yTrue, yPred, options, message) => {
    expect(() => classificationReport(yTrue, yPred, options)).toThrow(message);
  });

  test('invariants on random data: counts sum to n, diagonal = accuracy·n, micro F1 = accuracy', () => {
    const rng = makeRng(7);
    const names = ['negative', 'neutral', 'positive', '积极', '消极'];
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + rng.int(60);
      const yTrue = Array.from({ length: n }, () => names[rng.int(names.length)]!);
      const yPred = yTrue.map((t) => (rng.next() < 0.6 ? t : names[rng.int(names.length)]!));
      const r = classificationReport(yTrue, yPred);
      const counts = r.confusionMatrix.counts;
      expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(n);
      expect(counts.reduce((a, row, i) => a + row[i]!, 0)).toBe(Math.round(r.accuracy * n));
      close([r.micro.f1, r.micro.precision, r.micro.recall], [r.accuracy, r.accuracy, r.accuracy], 'micro');
      expect(r.perClass.reduce((a, c) => a + c.support, 0)).toBe(n);
    }
  });
});

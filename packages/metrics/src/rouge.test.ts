// Expected values: google-research/rouge rouge_scorer_test.py, including its ROUGE-1.5.5 (Perl) ground truth on
// rouge/testdata/{target,prediction}.txt lines 1–2 (copied below), and hand derivations for the tokenizers.
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { MetricsError } from './errors.js';
import { corpusRougeL, lcsLength, type RougeScore, rougeL, rougeTokenize } from './rouge.js';

const prf = (s: RougeScore): number[] => [s.precision, s.recall, s.fmeasure];

// rouge/testdata/target.txt and prediction.txt (random strings scored by ROUGE-1.5.5)
const targets = [
  "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n",
  "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n",
];
const predictions = [
  "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n",
  "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n",
];

describe('rougeL', () => {
  test.each([
    [0, 0.6875, 0.40741, 0.51163],
    [1, 0.65385, 0.40476, 0.5],
  ])('testRougeLAgainstRouge155 line %d', (i, p, r, f) => {
    const s = rougeL(predictions[i]!, targets[i]!);
    expect(prf(s).map((v) => v.toFixed(5))).toEqual([p, r, f].map((v) => v.toFixed(5)));
  });

  test.each([
    ['testing one', 'testing one two', [1, 2 / 3, 4 / 5]], // consecutive
    ['testing two', 'testing one two', [1, 2 / 3, 4 / 5]], // non-consecutive
    ['', 'testing one two', [0, 0, 0]], // empty prediction
    ['testing', '', [0, 0, 0]],
    ['/ ! ?', 'w1', [0, 0, 0]], // the tokenizer drops everything
    ['The Cat SAT.', 'the cat sat', [1, 1, 1]], // lowercased, punctuation separates
  ])('rouge_scorer_test: prediction %j, target %j', (prediction, target, expected) => {
    expectClose(prf(rougeL(prediction, target)), expected, { rtol: 1e-12 }, 'p, r, f');
  });

  test('several references: the best F-measure wins (score_multi)', () => {
    const s = rougeL('a b c', ['x y', 'a c', 'a b c d e f']);
    expectClose(prf(s), [2 / 3, 1, 0.8], { rtol: 1e-12 }, 'best reference "a c"');
  });

  test('default tokenizer scores Chinese 0; the cjk tokenizer compares characters', () => {
    expect(rougeL('我喜欢猫', '我喜欢狗').fmeasure).toBe(0);
    expectClose(
      prf(rougeL('我喜欢猫', '我喜欢狗', { tokenizer: 'cjk' })),
      [3 / 4, 3 / 4, 3 / 4],
      { rtol: 1e-12 },
      'cjk',
    );
  });

  test('a custom tokenizer function', () => {
    const words = (t: string): string[] => t.split('/');
    expectClose(
      prf(rougeL('我/喜欢/猫', '我/喜欢/狗', { tokenizer: words })),
      [2 / 3, 2 / 3, 2 / 3],
      { rtol: 1e-12 },
      'words',
    );
    expect(() => rougeL('a', 'b', { tokenizer: () => [1 as unknown as string] })).toThrow(MetricsError);
  });
});

describe('rougeTokenize', () => {
  test.each([
    ['default', "Hello, WORLD! It's 2024-05", ['hello', 'world', 'it', 's', '2024', '05']],
    ['default', 'café naïve', ['caf', 'na', 've']], // rouge-score keeps only [a-z0-9]
    ['default', '机器学习 ML', ['ml']],
    ['cjk', 'GPU训练很快, fast!', ['gpu', '训', '练', '很', '快', 'fast']],
    ['cjk', 'café ひらがな 한국어', ['café', 'ひ', 'ら', 'が', 'な', '한국어']],
  ] as const)('%s: %j', (tokenizer, text, tokens) => {
    expect(rougeTokenize(text, tokenizer)).toEqual(tokens);
  });
});

describe('lcsLength', () => {
  test.each([
    [['1', '2', '3', '4', '5'], ['2', '5', '3', '4'], 3], // testLcsTable
    [['1', '2', '3', '4', '5'], ['8', '9'], 0],
    [[], ['a'], 0],
    [['a', 'b', 'a', 'b'], ['b', 'a', 'b', 'a'], 3],
  ])('%j, %j -> %d', (a, b, n) => {
    expect(lcsLength(a, b)).toBe(n);
    expect(lcsLength(b, a)).toBe(n);
  });
});

describe('corpusRougeL', () => {
  test('mean of the per-pair scores', () => {
    const s = corpusRougeL(['testing one', 'x'], ['testing one two', 'x']);
    expectClose(prf(s), [1, 5 / 6, 9 / 10], { rtol: 1e-12 }, 'mean');
  });

  test('length mismatch names both lengths', () => {
    expect(() => corpusRougeL(['a'], ['a', 'b'])).toThrow(
      'hypotheses and references must have the same length: expected references.length 1 (= hypotheses.length), got 2',
    );
  });
});
